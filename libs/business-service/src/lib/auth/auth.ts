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

/** The authenticated caller of a client-facing call. */
export interface Caller {
  userId: number;
  deviceId: number;
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
