import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { ErrorCode, GimError } from '@gim/errors';
import { isTokenAlgorithm, type VerificationKey } from './app-key';
import { DEFAULT_APP_ID } from './app';

/** The `aud` every app token must carry, so a token minted for another service is not accepted here. */
export const APP_TOKEN_AUDIENCE = 'gim';

/** Clock difference tolerated between the app's server and gim when checking `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 60;

/** What token verification needs to know of an app. */
export interface TokenIssuer {
  appId: number;
  active: boolean;
  keys: ReadonlyMap<string, VerificationKey>;
  /** longest `exp - iat` the app allows */
  maxLifetimeSeconds: number;
}

/** Finds the app a token names; undefined when there is none. */
export type IssuerLookup = (appId: number) => Promise<TokenIssuer | undefined>;

/** Who a verified app token signs in, in the app's own ids. */
export interface AppTokenClaims {
  appId: number;
  appUserId: number;
  appDeviceId: number;
  /** `iat`, Unix seconds: compared with the user's revocation time */
  issuedAt: number;
}

const ID = /^[1-9][0-9]{0,15}$/;

/** True when a token is shaped like a JWT (three base64url parts); gim's own tokens never contain a dot. */
export function isAppToken(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

function refuse(code: ErrorCode, message: string): GimError {
  return new GimError(code, message);
}

function idClaim(value: unknown, claim: string): number {
  const id = typeof value === 'string' && ID.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id))
    throw refuse(ErrorCode.TokenMalformed, `token: the ${claim} claim must be a decimal id string`);
  return id;
}

/**
 * Verifies a JWT an app's server signed: header `{alg, kid}`, claims `iss` (the app id), `sub` (the user id in
 * the app), `device_id` (the device id in the app), `aud` "gim", `iat` and `exp`. The key is chosen by the
 * app and `kid` only, and verifies only its own algorithm: `none`, and a token whose `alg` is not its key's
 * (the HMAC/public-key confusion), are refused before any signature check. Each refusal has its own code.
 */
export async function verifyAppToken(
  token: string,
  issuers: IssuerLookup,
  now: Date = new Date(),
): Promise<AppTokenClaims> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch {
    throw refuse(ErrorCode.TokenMalformed, 'token: not a JWT');
  }
  if (!isTokenAlgorithm(header.alg)) {
    throw refuse(
      ErrorCode.TokenAlgorithmRefused,
      `token: algorithm ${JSON.stringify(header.alg ?? null)} is refused (HS256, RS256, ES256 or EdDSA)`,
    );
  }
  if (typeof header.kid !== 'string' || header.kid === '')
    throw refuse(ErrorCode.TokenMalformed, 'token: the header must name its key (kid)');
  const appId = idClaim(unverified.iss, 'iss (app id)');
  const issuer = appId === DEFAULT_APP_ID ? undefined : await issuers(appId);
  if (!issuer)
    throw refuse(ErrorCode.AppNotFound, `token: app ${appId} does not exist or takes no app tokens`);
  const key = issuer.keys.get(header.kid);
  if (!key)
    throw refuse(ErrorCode.TokenUnknownKey, `token: app ${appId} has no key ${JSON.stringify(header.kid)}`);
  if (key.alg !== header.alg) {
    throw refuse(
      ErrorCode.TokenAlgorithmRefused,
      `token: key ${JSON.stringify(key.kid)} verifies ${key.alg}, not ${header.alg}`,
    );
  }
  let claims: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload: claims } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      issuer: String(appId),
      audience: APP_TOKEN_AUDIENCE,
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now,
    }));
  } catch (error) {
    throw verificationFailure(error);
  }
  if (!issuer.active) throw refuse(ErrorCode.AppDisabled, `token: app ${appId} is disabled`);
  const lifetime = (claims.exp ?? 0) - (claims.iat ?? 0);
  if (lifetime > issuer.maxLifetimeSeconds) {
    throw refuse(
      ErrorCode.TokenMalformed,
      `token: lives ${lifetime} s from iat to exp, longer than app ${appId} allows (${issuer.maxLifetimeSeconds} s)`,
    );
  }
  return {
    appId,
    appUserId: idClaim(claims.sub, 'sub (user id)'),
    appDeviceId: idClaim(claims['device_id'], 'device_id'),
    issuedAt: claims.iat ?? 0,
  };
}

function verificationFailure(error: unknown): GimError {
  if (error instanceof errors.JWTExpired) return refuse(ErrorCode.TokenExpired, 'token: expired');
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return refuse(ErrorCode.TokenBadSignature, "token: the signature does not verify with the app's key");
  if (error instanceof errors.JOSEAlgNotAllowed)
    return refuse(ErrorCode.TokenAlgorithmRefused, 'token: algorithm refused');
  if (error instanceof errors.JWTClaimValidationFailed)
    return refuse(ErrorCode.TokenMalformed, `token: claim ${error.claim} ${error.reason}: ${error.message}`);
  return refuse(ErrorCode.TokenMalformed, 'token: not a valid JWT');
}
