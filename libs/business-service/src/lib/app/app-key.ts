import { createPublicKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { badRequest } from '@gim/errors';

/** The algorithms an app's tokens may be signed with; each key verifies exactly one of them. */
export const TOKEN_ALGORITHMS = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const;

/** An algorithm an app's tokens may be signed with. */
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/** Shortest HS256 secret accepted: as many bytes as the hash (RFC 7518 §3.2). */
export const MIN_HMAC_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;

/** A key ready to verify tokens: the key object and the one algorithm it accepts. */
export interface VerificationKey {
  kid: string;
  alg: TokenAlgorithm;
  key: KeyObject;
}

/** True for one of TOKEN_ALGORITHMS. */
export function isTokenAlgorithm(alg: unknown): alg is TokenAlgorithm {
  return typeof alg === 'string' && (TOKEN_ALGORITHMS as readonly string[]).includes(alg);
}

/** A new random HS256 secret, base64url. */
export function generateHmacSecret(): string {
  return randomBytes(MIN_HMAC_SECRET_BYTES).toString('base64url');
}

/**
 * The key object for stored key material: an HS256 secret (base64url, at least 32 bytes) or a public key (SPKI
 * PEM) of the type its algorithm needs. Throws GimError(10001) saying what is wrong, so that a bad key is
 * refused when it is added rather than when a token arrives.
 */
export function importKeyMaterial(alg: TokenAlgorithm, material: string): KeyObject {
  if (alg === 'HS256') {
    if (!/^[A-Za-z0-9_-]+$/.test(material)) throw badRequest('secret: must be base64url');
    const secret = Buffer.from(material, 'base64url');
    if (secret.length < MIN_HMAC_SECRET_BYTES)
      throw badRequest(`secret: HS256 needs at least ${MIN_HMAC_SECRET_BYTES} bytes, got ${secret.length}`);
    return createSecretKey(secret);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: material, format: 'pem' });
  } catch {
    throw badRequest('public_key: not a PEM public key (SPKI, "-----BEGIN PUBLIC KEY-----")');
  }
  const details = key.asymmetricKeyDetails ?? {};
  const ok =
    (alg === 'RS256' && key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS) ||
    (alg === 'ES256' && key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') ||
    (alg === 'EdDSA' && key.asymmetricKeyType === 'ed25519');
  if (!ok) {
    throw badRequest(
      `public_key: ${alg} needs ${
        {
          RS256: `an RSA key of ${MIN_RSA_BITS} bits or more`,
          ES256: 'a P-256 EC key',
          EdDSA: 'an Ed25519 key',
        }[alg]
      }, got ${key.asymmetricKeyType ?? 'another key'}`,
    );
  }
  return key;
}
