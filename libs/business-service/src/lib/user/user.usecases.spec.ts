import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppDirectory } from '../app/app-directory';
import { ErrorCode, GimError } from '@gim/errors';
import { validated } from '@gim/rpc';
import {
  InMemoryTokenRepository,
  InMemoryUserRepository,
  issueTokenOver,
  RecordingDeviceRegistry,
  signInLimiterOver,
} from '../../../test/fakes';
import { MemoryAttemptStore } from '../auth/attempt-store';
import { AuthenticateUseCase } from '../auth/authenticate.usecase';
import { DevelopmentCodeVerifier } from '../auth/code-verifier';
import { GetUserUseCase } from './get-user.usecase';
import { GetUsersUseCase } from './get-users.usecase';
import { SearchUsersCommand, SearchUsersUseCase } from './search-users.usecase';
import { SignInCommand, SignInUseCase } from './sign-in.usecase';
import { UpdateUserCommand, UpdateUserUseCase } from './update-user.usecase';
import { SEARCH_LIMIT } from './user';

const CODE = '246810';
const clientAddress = '10.0.0.1';
const device = {
  id: 0,
  type: 1,
  brand: 'acme',
  model: 'x1',
  systemVersion: '14',
  sdkVersion: '1.0',
  branchPushId: '',
};

function signInSetup() {
  const users = new InMemoryUserRepository();
  const tokens = new InMemoryTokenRepository();
  const devices = new RecordingDeviceRegistry();
  const signIn = new SignInUseCase(
    signInLimiterOver(new MemoryAttemptStore()),
    new DevelopmentCodeVerifier(CODE),
    users,
    devices,
    issueTokenOver(tokens),
  );
  return { users, tokens, devices, signIn };
}

const hasCode =
  (code: ErrorCode, pattern = /./) =>
  (error: unknown) =>
    error instanceof GimError && error.code === code && pattern.test(error.message);

void describe('SignInUseCase', () => {
  void it('creates the user on the first sign-in, registers the device and issues a working token', async () => {
    const { users, tokens, devices, signIn } = signInSetup();
    const session = await signIn.execute({ phoneNumber: '13800000001', code: CODE, device, clientAddress });
    assert.equal(session.isNew, true);
    assert.equal(users.users.get(session.userId)?.phoneNumber, '13800000001');
    assert.deepEqual(devices.saved, [{ userId: session.userId, device }]);
    assert.equal(session.deviceId, 20000);
    const caller = await new AuthenticateUseCase(tokens, {} as AppDirectory, users).execute({
      userId: session.userId,
      deviceId: session.deviceId,
      token: session.token,
    });
    assert.equal(caller.userId, session.userId);
  });

  void it('finds the existing user on later sign-ins', async () => {
    const { signIn } = signInSetup();
    const first = await signIn.execute({ phoneNumber: '13800000001', code: CODE, device, clientAddress });
    const again = await signIn.execute({
      phoneNumber: '13800000001',
      code: CODE,
      device: { ...device, id: first.deviceId },
      clientAddress,
    });
    assert.equal(again.isNew, false);
    assert.equal(again.userId, first.userId);
    assert.equal(again.deviceId, first.deviceId);
  });

  void it('refuses a wrong code with 10300 before touching users, devices or tokens', async () => {
    const { users, tokens, devices, signIn } = signInSetup();
    await assert.rejects(
      signIn.execute({ phoneNumber: '13800000001', code: '000000', device, clientAddress }),
      hasCode(ErrorCode.BadVerificationCode),
    );
    assert.equal(users.users.size, 0);
    assert.equal(devices.saved.length, 0);
    assert.equal(tokens.tokens.size, 0);
  });

  void it('validates the request, naming each bad field', () => {
    const check = (payload: unknown, field: RegExp) =>
      assert.throws(() => validated(SignInCommand, payload), hasCode(ErrorCode.BadRequest, field));
    check({ phoneNumber: 'abc', code: CODE, device }, /phoneNumber/);
    check({ phoneNumber: '138000000011380000000', code: CODE, device }, /phoneNumber/);
    check({ phoneNumber: '13800000001', code: '', device }, /code/);
    check({ phoneNumber: '13800000001', code: CODE, device: null }, /device/);
    check({ phoneNumber: '13800000001', code: CODE, device: { ...device, type: 9 } }, /device\.type/);
    check(
      { phoneNumber: '13800000001', code: CODE, device: { ...device, brand: 'b'.repeat(65) } },
      /device\.brand/,
    );
    check({ phoneNumber: '13800000001', code: CODE, device }, /clientAddress/);
    const ok = validated(SignInCommand, { phoneNumber: '+8613800000001', code: CODE, device, clientAddress });
    assert.equal(ok.device.model, 'x1');
  });
});

void describe('GetUserUseCase and GetUsersUseCase', () => {
  void it('reads one user, or fails with 10301', async () => {
    const users = new InMemoryUserRepository();
    const alice = users.add('13800000001', { nickname: 'alice' });
    assert.equal((await new GetUserUseCase(users).execute({ userId: alice.id })).nickname, 'alice');
    await assert.rejects(
      new GetUserUseCase(users).execute({ userId: 99 }),
      hasCode(ErrorCode.UserNotFound, /99/),
    );
  });

  void it('reads many users, leaving out the missing ones', async () => {
    const users = new InMemoryUserRepository();
    const alice = users.add('13800000001');
    const bob = users.add('13800000002');
    const found = await new GetUsersUseCase(users).execute({ userIds: [alice.id, 5, bob.id] });
    assert.deepEqual(found.map((user) => user.id).sort(), [alice.id, bob.id]);
  });
});

void describe('UpdateUserUseCase', () => {
  void it("replaces the caller's profile", async () => {
    const users = new InMemoryUserRepository();
    const alice = users.add('13800000001', { nickname: 'old' });
    const other = users.add('13800000002', { nickname: 'other' });
    await new UpdateUserUseCase(users).execute({
      userId: alice.id,
      nickname: 'alice',
      sex: 2,
      avatarUrl: 'https://example.com/a.png',
      extra: '{"vip":true}',
    });
    assert.equal(users.users.get(alice.id)?.nickname, 'alice');
    assert.equal(users.users.get(alice.id)?.sex, 2);
    assert.equal(users.users.get(other.id)?.nickname, 'other');
  });

  void it('fails with 10301 for a user that no longer exists', async () => {
    const users = new InMemoryUserRepository();
    await assert.rejects(
      new UpdateUserUseCase(users).execute({ userId: 5, nickname: '', sex: 0, avatarUrl: '', extra: '' }),
      hasCode(ErrorCode.UserNotFound),
    );
  });

  void it('rejects out-of-range fields', () => {
    const base = { userId: 1, nickname: 'n', sex: 0, avatarUrl: '', extra: '' };
    assert.throws(
      () => validated(UpdateUserCommand, { ...base, sex: 3 }),
      hasCode(ErrorCode.BadRequest, /sex/),
    );
    assert.throws(
      () => validated(UpdateUserCommand, { ...base, nickname: 'n'.repeat(65) }),
      hasCode(ErrorCode.BadRequest, /nickname/),
    );
    assert.throws(
      () => validated(UpdateUserCommand, { ...base, userId: 0 }),
      hasCode(ErrorCode.BadRequest, /userId/),
    );
  });
});

void describe('SearchUsersUseCase', () => {
  void it('finds the exact phone number first, then nickname matches, at most a page', async () => {
    const users = new InMemoryUserRepository();
    for (let i = 0; i < SEARCH_LIMIT + 5; i++)
      users.add(`1390000${String(i).padStart(4, '0')}`, { nickname: `kim ${i}` });
    const byPhone = users.add('13800000001', { nickname: 'lee' });
    const found = await new SearchUsersUseCase(users).execute({ key: ' 13800000001 ', appId: 1 });
    assert.deepEqual(
      found.map((user) => user.id),
      [byPhone.id],
    );
    const kims = await new SearchUsersUseCase(users).execute({ key: 'kim', appId: 1 });
    assert.equal(kims.length, SEARCH_LIMIT);
  });

  void it('rejects an empty or blank key', () => {
    assert.throws(
      () => validated(SearchUsersCommand, { key: '', appId: 1 }),
      hasCode(ErrorCode.BadRequest, /key/),
    );
    assert.throws(() => validated(SearchUsersCommand, { key: '   ' }), hasCode(ErrorCode.BadRequest, /key/));
  });
});
