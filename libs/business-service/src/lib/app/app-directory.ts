import { Injectable } from '@nestjs/common';
import { ErrorCode, GimError } from '@gim/errors';
import { AppCredentialVerifier } from '@gim/rpc';
import { App, AppState, credentialAppId, credentialMatches, DEFAULT_TOKEN_MAX_LIFETIME_SECONDS } from './app';
import { importKeyMaterial, type VerificationKey } from './app-key';
import type { TokenIssuer } from './app-token';
import { AppRepository } from './app.repository';

/** How long an app's keys, status and credential hashes are reused before reading them again. */
export const APP_CACHE_TTL_MS = 5_000;

interface CachedApp {
  issuer: TokenIssuer;
  credentialHashes: Buffer[];
}

/**
 * What signing in and integrator calls need of apps (status, keys, credential hashes), cached for
 * APP_CACHE_TTL_MS: a change made through AppIntService applies at once in this process and within that
 * time in the others.
 */
@Injectable()
export class AppDirectory extends AppCredentialVerifier {
  private readonly cache = new Map<number, Promise<CachedApp | undefined>>();
  private readonly fetchedAt = new Map<number, number>();

  constructor(private readonly apps: AppRepository) {
    super();
  }

  /** The app as token verification sees it; undefined when there is no such app. */
  async issuer(appId: number): Promise<TokenIssuer | undefined> {
    return (await this.load(appId))?.issuer;
  }

  /** The app an integrator credential acts for; GimError 10000 when it is no valid credential, 10313 when its app is disabled. */
  override async verify(credential: string): Promise<number> {
    const appId = credentialAppId(credential);
    const app = appId === undefined ? undefined : await this.load(appId);
    if (appId === undefined || !app || !credentialMatches(credential, app.credentialHashes)) {
      throw new GimError(ErrorCode.Unauthorized, 'unauthorized: not a valid app credential');
    }
    if (!app.issuer.active) throw new GimError(ErrorCode.AppDisabled, `app ${appId} is disabled`);
    return appId;
  }

  /** Drops what is cached of an app, after it changed. */
  forget(appId: number): void {
    this.cache.delete(appId);
    this.fetchedAt.delete(appId);
  }

  private load(appId: number): Promise<CachedApp | undefined> {
    const fetchedAt = this.fetchedAt.get(appId);
    const cached = this.cache.get(appId);
    if (cached && fetchedAt !== undefined && Date.now() - fetchedAt < APP_CACHE_TTL_MS) return cached;
    const loading = this.fetch(appId);
    this.cache.set(appId, loading);
    this.fetchedAt.set(appId, Date.now());
    loading.catch(() => this.forget(appId));
    return loading;
  }

  private async fetch(appId: number): Promise<CachedApp | undefined> {
    const app: App | undefined = await this.apps.find(appId);
    if (!app) return undefined;
    const [keys, credentialHashes] = await Promise.all([
      this.apps.keysOf(appId),
      this.apps.credentialHashes(appId),
    ]);
    const verificationKeys = new Map<string, VerificationKey>();
    for (const key of keys) {
      verificationKeys.set(key.kid, {
        kid: key.kid,
        alg: key.alg,
        key: importKeyMaterial(key.alg, key.material),
      });
    }
    return {
      issuer: {
        appId,
        active: app.status === AppState.Active,
        keys: verificationKeys,
        maxLifetimeSeconds: app.settings.tokenMaxLifetimeSeconds || DEFAULT_TOKEN_MAX_LIFETIME_SECONDS,
      },
      credentialHashes,
    };
  }
}
