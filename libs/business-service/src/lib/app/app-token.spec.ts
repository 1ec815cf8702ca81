import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ErrorCode, GimError } from '@gim/errors';
import { generateHmacSecret, importKeyMaterial, type TokenAlgorithm, type VerificationKey } from './app-key';
import { isAppToken, verifyAppToken, type TokenIssuer } from './app-token';

const NOW = new Date('2026-06-01T00:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

function keyPair(alg: Exclude<TokenAlgorithm, 'HS256'>): { pem: string; privateKey: KeyObject } {
  const { publicKey, privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('ed25519');
  return { pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

const hsSecret = generateHmacSecret();
const es = keyPair('ES256');
const rs = keyPair('RS256');
const ed = keyPair('EdDSA');

function key(kid: string, alg: TokenAlgorithm, material: string): VerificationKey {
  return { kid, alg, key: importKeyMaterial(alg, material) };
}

const apps = new Map<number, TokenIssuer>([
  [
    10000,
    {
      appId: 10000,
      active: true,
      maxLifetimeSeconds: 86_400,
      keys: new Map([
        ['hs', key('hs', 'HS256', hsSecret)],
        ['es', key('es', 'ES256', es.pem)],
        ['rs', key('rs', 'RS256', rs.pem)],
        ['ed', key('ed', 'EdDSA', ed.pem)],
      ]),
    },
  ],
  [
    10001,
    {
      appId: 10001,
      active: false,
      maxLifetimeSeconds: 86_400,
      keys: new Map([['hs', key('hs', 'HS256', hsSecret)]]),
    },
  ],
  [
    10002,
    {
      appId: 10002,
      active: true,
      maxLifetimeSeconds: 86_400,
      keys: new Map([['hs', key('hs', 'HS256', generateHmacSecret())]]),
    },
  ],
]);
const lookup = (appId: number): Promise<TokenIssuer | undefined> => Promise.resolve(apps.get(appId));

interface Mint {
  alg?: TokenAlgorithm;
  kid?: string;
  signWith?: KeyObject | Uint8Array;
  claims?: Record<string, unknown>;
  iss?: string;
  exp?: number;
}

function mint(options: Mint = {}): Promise<string> {
  const alg = options.alg ?? 'HS256';
  const signWith =
    options.signWith ??
    {
      HS256: Buffer.from(hsSecret, 'base64url'),
      ES256: es.privateKey,
      RS256: rs.privateKey,
      EdDSA: ed.privateKey,
    }[alg];
  return new SignJWT({
    iss: options.iss ?? '10000',
    sub: '42',
    aud: 'gim',
    device_id: '7',
    iat: NOW_S - 10,
    exp: options.exp ?? NOW_S + 3600,
    ...options.claims,
  })
    .setProtectedHeader({
      alg,
      kid: options.kid ?? { HS256: 'hs', ES256: 'es', RS256: 'rs', EdDSA: 'ed' }[alg],
    })
    .sign(signWith);
}

async function refusedWith(token: Promise<string> | string, code: ErrorCode): Promise<void> {
  await assert.rejects(verifyAppToken(await token, lookup, NOW), (error: unknown) => {
    assert.ok(error instanceof GimError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}

function unsigned(header: object, payload: object): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.`;
}

void describe('verifyAppToken', () => {
  for (const alg of ['HS256', 'ES256', 'RS256', 'EdDSA'] as const) {
    void it(`accepts a ${alg} token and reads the app's ids from it`, async () => {
      assert.deepEqual(await verifyAppToken(await mint({ alg }), lookup, NOW), {
        appId: 10000,
        appUserId: 42,
        appDeviceId: 7,
        issuedAt: NOW_S - 10,
      });
    });
  }

  void it('refuses an expired token (10310), past the clock tolerance', async () => {
    await refusedWith(mint({ exp: NOW_S - 61 }), ErrorCode.TokenExpired);
    assert.equal((await verifyAppToken(await mint({ exp: NOW_S - 30 }), lookup, NOW)).appUserId, 42);
  });

  void it("refuses a token signed with another app's key under the same kid (10311)", async () => {
    await refusedWith(mint({ iss: '10002' }), ErrorCode.TokenBadSignature);
  });

  void it('refuses a token whose payload was changed after signing (10311)', async () => {
    const [header, , signature] = (await mint()).split('.');
    const payload = Buffer.from(
      JSON.stringify({ iss: '10000', sub: '43', device_id: '7', aud: 'gim', iat: NOW_S, exp: NOW_S + 60 }),
    ).toString('base64url');
    await refusedWith(`${header}.${payload}.${signature}`, ErrorCode.TokenBadSignature);
  });

  void it('refuses alg "none" (10312), with or without a signature', async () => {
    const claims = { iss: '10000', sub: '42', device_id: '7', aud: 'gim', iat: NOW_S, exp: NOW_S + 60 };
    await refusedWith(unsigned({ alg: 'none', kid: 'hs' }, claims), ErrorCode.TokenAlgorithmRefused);
    await refusedWith(unsigned({ alg: 'NONE', kid: 'hs' }, claims), ErrorCode.TokenAlgorithmRefused);
    await refusedWith(unsigned({ kid: 'hs' }, claims), ErrorCode.TokenAlgorithmRefused);
  });

  void it("refuses HS256 signed with an ES256 key's public PEM as the secret: the key confusion (10312)", async () => {
    const token = mint({ alg: 'HS256', kid: 'es', signWith: Buffer.from(es.pem) });
    await refusedWith(token, ErrorCode.TokenAlgorithmRefused);
  });

  void it('refuses an algorithm outside the list even when a key would verify it (10312)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = new SignJWT({ device_id: '7' })
      .setProtectedHeader({ alg: 'PS256', kid: 'rs' })
      .setIssuer('10000')
      .setSubject('42')
      .setAudience('gim')
      .setIssuedAt(NOW_S)
      .setExpirationTime(NOW_S + 60)
      .sign(privateKey);
    await refusedWith(token, ErrorCode.TokenAlgorithmRefused);
  });

  void it('refuses a token of a disabled app (10313), but only once its signature verified', async () => {
    await refusedWith(mint({ iss: '10001' }), ErrorCode.AppDisabled);
    await refusedWith(mint({ iss: '10001', signWith: Buffer.alloc(32, 1) }), ErrorCode.TokenBadSignature);
  });

  void it('refuses a key id the app does not have (10315)', async () => {
    await refusedWith(mint({ kid: 'old' }), ErrorCode.TokenUnknownKey);
  });

  void it('refuses an unknown app and the default app, which takes no app tokens (10317)', async () => {
    await refusedWith(mint({ iss: '99999' }), ErrorCode.AppNotFound);
    await refusedWith(mint({ iss: '1' }), ErrorCode.AppNotFound);
  });

  void it('refuses malformed tokens and claims (10316)', async () => {
    await refusedWith('a.b.c', ErrorCode.TokenMalformed);
    await refusedWith(mint({ iss: 'app' }), ErrorCode.TokenMalformed);
    await refusedWith(mint({ claims: { device_id: 7 } }), ErrorCode.TokenMalformed);
    await refusedWith(mint({ claims: { device_id: '0' } }), ErrorCode.TokenMalformed);
    await refusedWith(mint({ claims: { aud: 'another-service' } }), ErrorCode.TokenMalformed);
    await refusedWith(mint({ claims: { sub: '9007199254740993' } }), ErrorCode.TokenMalformed);
    const noKid = unsigned({ alg: 'HS256' }, { iss: '10000' });
    await refusedWith(noKid, ErrorCode.TokenMalformed);
  });

  void it('refuses a token that lives longer than its app allows (10316)', async () => {
    await refusedWith(mint({ exp: NOW_S - 10 + 86_401 }), ErrorCode.TokenMalformed);
    assert.equal((await verifyAppToken(await mint({ exp: NOW_S - 10 + 86_400 }), lookup, NOW)).appUserId, 42);
  });

  void it('refuses a token used before its nbf (10316)', async () => {
    await refusedWith(mint({ claims: { nbf: NOW_S + 600 } }), ErrorCode.TokenMalformed);
  });
});

void describe('isAppToken', () => {
  void it("tells a JWT from gim's own tokens", async () => {
    assert.equal(isAppToken(await mint()), true);
    assert.equal(isAppToken('dGhpcyBpcyBhIGdpbSB0b2tlbiBvZiAzMiBieXRlcw'), false);
    assert.equal(isAppToken(''), false);
  });
});

void describe('importKeyMaterial', () => {
  void it('refuses short secrets, non-PEM keys and keys of the wrong type or size', () => {
    assert.throws(
      () => importKeyMaterial('HS256', Buffer.alloc(16).toString('base64url')),
      /at least 32 bytes/,
    );
    assert.throws(() => importKeyMaterial('ES256', 'not a key'), /not a PEM public key/);
    assert.throws(() => importKeyMaterial('ES256', rs.pem), /P-256/);
    assert.throws(() => importKeyMaterial('EdDSA', es.pem), /Ed25519/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    assert.throws(
      () => importKeyMaterial('RS256', small.export({ type: 'spki', format: 'pem' }).toString()),
      /2048 bits/,
    );
    assert.equal(createPublicKey(es.pem).asymmetricKeyType, 'ec');
  });
});
