import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import { InMemoryTokenRepository, InMemoryUserRepository, issueTokenOver } from '../../../test/fakes';
import type { AppDirectory } from '../app/app-directory';
import { hashToken } from './auth';
import { AuthenticateUseCase } from './authenticate.usecase';
import { DevelopmentCodeVerifier } from './code-verifier';

const isUnauthorized = (pattern: RegExp) => (error: unknown) =>
  error instanceof GimError && error.code === ErrorCode.Unauthorized && pattern.test(error.message);

void describe('IssueTokenUseCase', () => {
  void it('issues 32 random bytes as base64url and stores only their SHA-256 with the configured expiry', async () => {
    const tokens = new InMemoryTokenRepository();
    const before = Date.now();
    const issued = await issueTokenOver(tokens, { GIM_TOKEN_TTL_SECONDS: '60' }).execute({
      userId: 1,
      deviceId: 2,
    });
    assert.match(issued.token, /^[A-Za-z0-9_-]{43}$/);
    const stored = tokens.tokens.get(2);
    assert.ok(stored);
    assert.equal(stored.userId, 1);
    assert.deepEqual(stored.tokenHash, hashToken(issued.token));
    assert.ok(!stored.tokenHash.toString('latin1').includes(issued.token));
    assert.ok(
      stored.expiresAt.getTime() >= before + 60_000 && stored.expiresAt.getTime() <= Date.now() + 60_000,
    );
    assert.equal(issued.expiresAt.getTime(), stored.expiresAt.getTime());
  });

  void it('gives a different token each time', async () => {
    const issue = issueTokenOver(new InMemoryTokenRepository());
    const a = await issue.execute({ userId: 1, deviceId: 2 });
    const b = await issue.execute({ userId: 1, deviceId: 2 });
    assert.notEqual(a.token, b.token);
  });
});

// gim's own tokens never reach the app directory or the user repository.
function authenticateOver(tokens: InMemoryTokenRepository): AuthenticateUseCase {
  return new AuthenticateUseCase(tokens, {} as AppDirectory, new InMemoryUserRepository());
}

void describe('AuthenticateUseCase', () => {
  void it('accepts the live token of the device for its user', async () => {
    const tokens = new InMemoryTokenRepository();
    const { token } = await issueTokenOver(tokens).execute({ userId: 7, deviceId: 8 });
    assert.deepEqual(await authenticateOver(tokens).execute({ userId: 7, deviceId: 8, token }), {
      appId: 1,
      userId: 7,
      deviceId: 8,
      appUserId: 7,
      appDeviceId: 8,
    });
  });

  void it('rejects a wrong token, another user, another device and a replaced token', async () => {
    const tokens = new InMemoryTokenRepository();
    const issue = issueTokenOver(tokens);
    const authenticate = authenticateOver(tokens);
    const first = await issue.execute({ userId: 7, deviceId: 8 });
    const wrong = isUnauthorized(/not the live token/);
    await assert.rejects(authenticate.execute({ userId: 7, deviceId: 8, token: `${first.token}x` }), wrong);
    await assert.rejects(authenticate.execute({ userId: 70, deviceId: 8, token: first.token }), wrong);
    await assert.rejects(authenticate.execute({ userId: 7, deviceId: 9, token: first.token }), wrong);
    const second = await issue.execute({ userId: 7, deviceId: 8 });
    await assert.rejects(authenticate.execute({ userId: 7, deviceId: 8, token: first.token }), wrong);
    await authenticate.execute({ userId: 7, deviceId: 8, token: second.token });
  });

  void it('says "expired" only for the right token past its expiry', async () => {
    const tokens = new InMemoryTokenRepository();
    const { token } = await issueTokenOver(tokens).execute({ userId: 7, deviceId: 8 });
    const stored = tokens.tokens.get(8)!;
    tokens.tokens.set(8, { ...stored, expiresAt: new Date(Date.now() - 1) });
    const authenticate = authenticateOver(tokens);
    await assert.rejects(authenticate.execute({ userId: 7, deviceId: 8, token }), isUnauthorized(/expired/));
    await assert.rejects(
      authenticate.execute({ userId: 7, deviceId: 8, token: 'guess' }),
      isUnauthorized(/not the live token/),
    );
  });
});

void describe('DevelopmentCodeVerifier', () => {
  void it('accepts exactly the configured code, for any phone number', async () => {
    const verifier = new DevelopmentCodeVerifier('246810');
    assert.equal(await verifier.verify('13800000000', '246810'), true);
    assert.equal(await verifier.verify('13900000000', '246810'), true);
    assert.equal(await verifier.verify('13800000000', '246811'), false);
    assert.equal(await verifier.verify('13800000000', '2468100'), false);
    assert.equal(await verifier.verify('13800000000', ''), false);
  });

  void it('rejects every code when no code is configured', async () => {
    const verifier = new DevelopmentCodeVerifier('');
    assert.equal(await verifier.verify('13800000000', ''), false);
    assert.equal(await verifier.verify('13800000000', '0000'), false);
  });
});
