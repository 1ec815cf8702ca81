import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@gim/errors';
import { InMemoryUserRepository } from '../../../test/fakes';
import { CreateAppUsersUseCase, RevokeTokensUseCase, UpdateAppUserUseCase } from './app-users.usecases';

const SHOP = { appId: 10_000, internal: false };
const CLINIC = { appId: 10_001, internal: false };
const INTERNAL = { appId: 1, internal: true };
const profile = (userId: number, nickname = '') => ({ userId, nickname, sex: 0, avatarUrl: '', extra: '' });

void describe('app users', () => {
  void it('creates only the missing users, each app in its own id space, and never in the default app', async () => {
    const users = new InMemoryUserRepository();
    const create = new CreateAppUsersUseCase(users);
    assert.deepEqual(await create.execute(SHOP, { users: [profile(42, 'ann')] }), [42]);
    assert.deepEqual(await create.execute(SHOP, { users: [profile(42, 'x'), profile(43)] }), [43]);
    assert.deepEqual(await create.execute(CLINIC, { users: [profile(42, 'zed')] }), [42]);
    const [shop42] = await users.findInApp(SHOP.appId, [42]);
    const [clinic42] = await users.findInApp(CLINIC.appId, [42]);
    assert.equal(shop42?.nickname, 'ann');
    assert.equal(clinic42?.nickname, 'zed');
    assert.notEqual(shop42?.id, clinic42?.id);
    await assert.rejects(create.execute(INTERNAL, { users: [profile(5)] }), { code: ErrorCode.BadRequest });
  });

  void it("updates and revokes only the caller's app's user; revocation never moves back", async () => {
    const users = new InMemoryUserRepository();
    await new CreateAppUsersUseCase(users).execute(SHOP, { users: [profile(42)] });
    await assert.rejects(new UpdateAppUserUseCase(users).execute(CLINIC, profile(42, 'hijack')), {
      code: ErrorCode.UserNotFound,
    });
    await new UpdateAppUserUseCase(users).execute(SHOP, profile(42, 'ann'));
    const revoke = new RevokeTokensUseCase(users);
    await assert.rejects(revoke.execute(CLINIC, { userId: 42, issuedBefore: 0 }), {
      code: ErrorCode.UserNotFound,
    });
    await revoke.execute(SHOP, { userId: 42, issuedBefore: 0 }, 1_700_000_000_500);
    const [revoked] = await users.findInApp(SHOP.appId, [42]);
    assert.equal(revoked?.nickname, 'ann');
    assert.equal(
      revoked?.tokensNotBefore,
      1_700_000_001,
      'tokens issued during the revoking second are refused too',
    );
    await revoke.execute(SHOP, { userId: 42, issuedBefore: 1_600_000_000 });
    assert.equal((await users.findInApp(SHOP.appId, [42]))[0]?.tokensNotBefore, 1_700_000_001);
  });
});
