import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import {
  InMemoryTokenRepository,
  InMemoryUserRepository,
  issueTokenOver,
  RecordingCodeVerifier,
  RecordingDeviceRegistry,
  signInLimiterOver,
} from '../../../test/fakes';
import { MemoryAttemptStore } from '../auth/attempt-store';
import { SignInUseCase } from './sign-in.usecase';

const CODE = '246810';
const WRONG = '135790';
const device = {
  id: 0,
  type: 1,
  brand: 'acme',
  model: 'x1',
  systemVersion: '14',
  sdkVersion: '1.0',
  branchPushId: '',
};

function limitedSignIn(env: Record<string, string> = {}) {
  let now = 1_000_000;
  const verifier = new RecordingCodeVerifier(CODE);
  const users = new InMemoryUserRepository();
  const signIn = new SignInUseCase(
    signInLimiterOver(new MemoryAttemptStore(1000, () => now), env),
    verifier,
    users,
    new RecordingDeviceRegistry(),
    issueTokenOver(new InMemoryTokenRepository()),
  );
  const attempt = (phoneNumber: string, code: string, clientAddress = '10.0.0.1') =>
    signIn.execute({ phoneNumber, code, device, clientAddress });
  const advance = (ms: number) => {
    now += ms;
  };
  return { verifier, users, attempt, advance };
}

const fails =
  (code: ErrorCode, pattern = /./) =>
  (error: unknown) =>
    error instanceof GimError && error.code === code && pattern.test(error.message);

const locked = (retryAfterSeconds: number) => (error: unknown) =>
  error instanceof GimError &&
  error.code === ErrorCode.TooManyAttempts &&
  error.message === `too many sign-in attempts; retry after ${retryAfterSeconds} s` &&
  error.retryAfterSeconds === retryAfterSeconds;

void describe('SignInUseCase attempt limits', () => {
  void it('locks a phone after 5 wrong codes: the right code is refused unchecked with 10302 and a retry-after', async () => {
    const { verifier, users, attempt, advance } = limitedSignIn();
    for (let miss = 1; miss <= 5; miss++) {
      await assert.rejects(attempt('13800000001', WRONG), fails(ErrorCode.BadVerificationCode));
      assert.deepEqual(verifier.invalidated, miss === 5 ? ['13800000001'] : [], `after miss ${miss}`);
    }
    advance(60_000);
    await assert.rejects(attempt('13800000001', CODE), locked(840));
    assert.equal(verifier.verified.length, 5, 'the code was not checked while locked');
    assert.equal(users.users.size, 0);
    advance(839_500);
    await assert.rejects(attempt('13800000001', CODE), locked(1));
    advance(500);
    const session = await attempt('13800000001', CODE);
    assert.equal(session.isNew, true);
  });

  void it('a right code forgets the phone’s misses', async () => {
    const { attempt } = limitedSignIn();
    for (let miss = 0; miss < 4; miss++) {
      await assert.rejects(attempt('13800000001', WRONG), fails(ErrorCode.BadVerificationCode));
    }
    await attempt('13800000001', CODE);
    for (let miss = 0; miss < 4; miss++) {
      await assert.rejects(attempt('13800000001', WRONG), fails(ErrorCode.BadVerificationCode));
    }
    await attempt('13800000001', CODE);
  });

  void it('limits misses per address across phone numbers, and other addresses are not affected', async () => {
    const { attempt } = limitedSignIn({ GIM_SIGN_IN_MAX_MISSES_PER_ADDRESS: '7' });
    for (let miss = 0; miss < 5; miss++) {
      await assert.rejects(attempt('13800000001', WRONG), fails(ErrorCode.BadVerificationCode));
    }
    await assert.rejects(attempt('13800000002', WRONG), fails(ErrorCode.BadVerificationCode));
    await attempt('13800000002', CODE);
    await assert.rejects(attempt('13800000003', WRONG), fails(ErrorCode.BadVerificationCode));
    await assert.rejects(attempt('13800000004', CODE), fails(ErrorCode.TooManyAttempts, /retry after 900 s/));
    await attempt('13800000004', CODE, '10.0.0.2');
  });

  void it('lets concurrent guesses check at most 5 codes', async () => {
    const { verifier, attempt } = limitedSignIn();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) => attempt('13800000001', String(100000 + index))),
    );
    assert.equal(verifier.verified.length, 5);
    const codes = outcomes.map((outcome) =>
      outcome.status === 'rejected' && outcome.reason instanceof GimError ? outcome.reason.code : 0,
    );
    assert.equal(codes.filter((code) => code === ErrorCode.BadVerificationCode).length, 5);
    assert.equal(codes.filter((code) => code === ErrorCode.TooManyAttempts).length, 45);
  });

  void it('does not count an attempt whose code could not be checked', async () => {
    const { verifier, attempt } = limitedSignIn({ GIM_SIGN_IN_MAX_MISSES_PER_PHONE: '1' });
    verifier.failing = true;
    for (let call = 0; call < 3; call++) {
      await assert.rejects(attempt('13800000001', CODE), /verification provider down/);
    }
    verifier.failing = false;
    await attempt('13800000001', CODE);
  });
});
