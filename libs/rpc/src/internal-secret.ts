import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CommonConfig, DEVELOPMENT_INTERNAL_SECRET } from '@gim/config';

/** Injection token for the internal credential string. */
export const INTERNAL_SECRET = Symbol('INTERNAL_SECRET');

/**
 * The internal credential: the configured one; in standalone mode a random one per process when unset;
 * otherwise, outside production, a fixed development value (config validation rejects that in production).
 */
export function resolveInternalSecret(config: CommonConfig, standalone = false): string {
  if (config.GIM_INTERNAL_SECRET !== '') return config.GIM_INTERNAL_SECRET;
  if (standalone) return randomBytes(24).toString('base64url');
  return DEVELOPMENT_INTERNAL_SECRET;
}

/** Constant-time comparison of a presented credential with the expected one. */
export function secretMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
