import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Random bytes in a token: 256 bits, far above the 128 needed to make guessing hopeless. */
export const TOKEN_BYTES = 32;

/** A device's live token as stored: only the SHA-256 of the token is kept. */
export interface StoredToken {
  deviceId: number;
  userId: number;
  tokenHash: Buffer;
  expiresAt: Date;
}

/** A token just issued; its plain value is handed to the client once and never stored. */
export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Who a token signs in: the user and device inside gim, and the ids their app knows them by. */
export interface Caller {
  appId: number;
  /** the user inside gim */
  userId: number;
  /** the device inside gim; 0 when an app token names a device gim has not registered yet */
  deviceId: number;
  appUserId: number;
  appDeviceId: number;
}

/** A new random token, base64url encoded. */
export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The SHA-256 of a token: what is stored and compared. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Constant-time comparison of two token hashes. */
export function hashesMatch(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
