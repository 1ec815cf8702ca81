import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export { DEFAULT_APP_ID } from '@gim/rpc';

/** Whether an app is served (`app.status`). */
export const AppState = { Active: 1, Disabled: 2 } as const;

/** What differs between apps. */
export interface AppSettings {
  /** longest `exp - iat` an app token may have; 0 means DEFAULT_TOKEN_MAX_LIFETIME_SECONDS */
  tokenMaxLifetimeSeconds: number;
}

/** The longest an app token may live unless the app's settings say otherwise: one day. */
export const DEFAULT_TOKEN_MAX_LIFETIME_SECONDS = 86_400;

/** The longest value `tokenMaxLifetimeSeconds` may take: one year. */
export const MAX_TOKEN_LIFETIME_SECONDS = 31_536_000;

/** An app's settings from their stored JSON; a missing or unusable value takes its default. */
export function parseSettings(json: string): AppSettings {
  let stored: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed !== null && typeof parsed === 'object') stored = parsed as Record<string, unknown>;
  } catch {
    // an unreadable value counts as no settings
  }
  const lifetime = stored['tokenMaxLifetimeSeconds'];
  return {
    tokenMaxLifetimeSeconds:
      typeof lifetime === 'number' &&
      Number.isInteger(lifetime) &&
      lifetime >= 0 &&
      lifetime <= MAX_TOKEN_LIFETIME_SECONDS
        ? lifetime
        : 0,
  };
}

/** A served business: its users, keys and credentials are its own. */
export interface App {
  id: number;
  name: string;
  status: number;
  settings: AppSettings;
  createdAt: Date;
}

/** An integrator credential: `gim_app_<app id>_<43 base64url characters>` (256 random bits). */
const CREDENTIAL = /^gim_app_([1-9][0-9]{0,15})_([A-Za-z0-9_-]{43})$/;

/** A new integrator credential for an app. */
export function generateCredential(appId: number): string {
  return `gim_app_${appId}_${randomBytes(32).toString('base64url')}`;
}

/** The app a credential claims to act for, or undefined when it is not shaped like one. */
export function credentialAppId(credential: string): number | undefined {
  const match = CREDENTIAL.exec(credential);
  const appId = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(appId) ? appId : undefined;
}

/** The SHA-256 of a credential: what is stored and compared. */
export function hashCredential(credential: string): Buffer {
  return createHash('sha256').update(credential, 'utf8').digest();
}

/** True when the credential's hash is one of `hashes` (constant time per comparison). */
export function credentialMatches(credential: string, hashes: readonly Buffer[]): boolean {
  const presented = hashCredential(credential);
  let found = false;
  for (const hash of hashes)
    if (hash.length === presented.length && timingSafeEqual(hash, presented)) found = true;
  return found;
}

/** Closes the open connections of an app's users (the gateways belong to logic). */
export abstract class AppConnections {
  /** Closes every connection of the app, telling each client why. */
  abstract closeAll(appId: number, reason: string): Promise<void>;
}
