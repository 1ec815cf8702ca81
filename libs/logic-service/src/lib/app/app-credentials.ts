import { createHash } from 'node:crypto';
import { businessAppInt } from '@gim/contracts';
import { AppCredentialVerifier, PromiseClient } from '@gim/rpc';

/** How long a verified credential is trusted before business is asked again (a disabled app waits this long). */
export const CREDENTIAL_CACHE_MS = 5_000;
const CACHE_LIMIT = 10_000;

/**
 * Verifies integrators' app credentials with business (which keeps only their hashes), remembering each
 * verified one for CREDENTIAL_CACHE_MS by its SHA-256; refusals are not remembered.
 */
export class BusinessAppCredentials extends AppCredentialVerifier {
  private readonly verified = new Map<string, { appId: number; until: number }>();

  constructor(private readonly apps: PromiseClient<businessAppInt.AppIntServiceClient>) {
    super();
  }

  override async verify(credential: string): Promise<number> {
    const key = createHash('sha256').update(credential).digest('base64');
    const now = Date.now();
    const cached = this.verified.get(key);
    if (cached && cached.until > now) return cached.appId;
    const { appId } = await this.apps.verifyCredential({ credential });
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(key, { appId, until: now + CREDENTIAL_CACHE_MS });
    return appId;
  }
}
