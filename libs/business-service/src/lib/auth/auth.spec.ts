import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ErrorCode, GimError } from '@gim/errors';
import { InMemoryTokenRepository, InMemoryUserRepository, issueTokenOver } from '../../../test/fakes';
import type { AppDirectory } from '../app/app-directory';
import type { TokenIssuer } from '../app/app-token';
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

void describe('AuthenticateUseCase with app tokens', () => {
  const secret = Buffer.alloc(32, 9);
  const issuer: TokenIssuer = {
    appId: 10_000,
    active: true,
    maxLifetimeSeconds: 86_400,
    keys: new Map([['k', { kid: 'k', alg: 'HS256', key: createSecretKey(secret) }]]),
  };
  const apps = { issuer: async (appId: number) => (appId === 10_000 ? issuer : undefined) } as AppDirectory;
  const mint = (userId: string, iat = Math.floor(Date.now() / 1000)) =>
    new SignJWT({ iss: '10000', sub: userId, aud: 'gim', device_id: '7', iat, exp: iat + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: 'k' })
      .sign(secret);

  void it("creates the app's user on first sign-in and names it by gim's id and the app's", async () => {
    const users = new InMemoryUserRepository();
    const authenticate = new AuthenticateUseCase(new InMemoryTokenRepository(), apps, users);
    const first = await authenticate.execute({ userId: 0, deviceId: 0, token: await mint('42') });
    assert.deepEqual(
      { ...first, userId: undefined },
      {
        appId: 10_000,
        userId: undefined,
        deviceId: 0,
        appUserId: 42,
        appDeviceId: 7,
      },
    );
    const again = await authenticate.execute({ userId: 42, deviceId: 7, token: await mint('42') });
    assert.equal(again.userId, first.userId);
    assert.equal(users.users.size, 1);
  });

  void it("refuses ids that are not the token's (10000) and tokens issued before a revocation (10314)", async () => {
    const users = new InMemoryUserRepository();
    const authenticate = new AuthenticateUseCase(new InMemoryTokenRepository(), apps, users);
    await assert.rejects(authenticate.execute({ userId: 43, deviceId: 0, token: await mint('42') }), {
      code: ErrorCode.Unauthorized,
    });
    await assert.rejects(authenticate.execute({ userId: 0, deviceId: 8, token: await mint('42') }), {
      code: ErrorCode.Unauthorized,
    });
    const iat = Math.floor(Date.now() / 1000);
    const { userId } = await authenticate.execute({ userId: 0, deviceId: 0, token: await mint('42', iat) });
    await users.raiseTokensNotBefore(userId, iat + 1);
    await assert.rejects(authenticate.execute({ userId: 0, deviceId: 0, token: await mint('42', iat) }), {
      code: ErrorCode.TokenRevoked,
    });
    await authenticate.execute({ userId: 0, deviceId: 0, token: await mint('42', iat + 1) });
  });
});
