import { businessUserExt, businessUserInt } from '@gim/contracts';
import { PromiseClient } from '@gim/rpc';

/** What logic shows of a sender inside the messages it builds. */
export interface SenderProfile {
  userId: number;
  nickname: string;
  avatarUrl: string;
  extra: string;
}

/** How long a fetched profile is reused before asking business again. */
const PROFILE_TTL_MS = 30_000;
const PROFILE_CACHE_LIMIT = 50_000;

/**
 * logic's view of the user system (business, over gRPC): token checks on every client-facing call, and
 * sender profiles, cached briefly because every chat message embeds its sender's name and avatar.
 */
export class UserDirectory {
  private readonly cache = new Map<number, { profile: SenderProfile; fetchedAt: number }>();
  private next: { ids: Set<number>; answer: Promise<Map<number, SenderProfile>> } | undefined;

  constructor(private readonly users: PromiseClient<businessUserInt.UserIntServiceClient>) {}

  /** Succeeds when the token is the device's live token for this user; GimError(10000) otherwise. */
  async authenticate(userId: number, deviceId: number, token: string): Promise<void> {
    await this.users.auth({ userId, deviceId, token });
  }

  /**
   * Profiles of the given users; users that do not exist are absent from the map. Lookups that miss the cache
   * in the same I/O phase share one GetUsers call.
   */
  async profiles(userIds: readonly number[]): Promise<Map<number, SenderProfile>> {
    const now = Date.now();
    const found = new Map<number, SenderProfile>();
    const missing: number[] = [];
    for (const userId of userIds) {
      const cached = this.cache.get(userId);
      if (cached && now - cached.fetchedAt < PROFILE_TTL_MS) found.set(userId, cached.profile);
      else missing.push(userId);
    }
    if (missing.length === 0) return found;
    const fetched = await this.fetch(missing);
    for (const userId of missing) {
      const profile = fetched.get(userId);
      if (profile) found.set(userId, profile);
    }
    return found;
  }

  // Adds ids to the lookup about to be sent (one per I/O phase) and resolves with its answer.
  private fetch(userIds: readonly number[]): Promise<Map<number, SenderProfile>> {
    if (this.next === undefined) {
      const ids = new Set<number>();
      const answer = new Promise<Map<number, SenderProfile>>((resolve, reject) =>
        setImmediate(() => {
          this.next = undefined;
          this.getUsers([...ids]).then(resolve, reject);
        }),
      );
      this.next = { ids, answer };
    }
    for (const userId of userIds) this.next.ids.add(userId);
    return this.next.answer;
  }

  private async getUsers(userIds: readonly number[]): Promise<Map<number, SenderProfile>> {
    const request: Record<number, number> = {};
    for (const userId of userIds) request[userId] = 0;
    const reply = await this.users.getUsers({ userIds: request });
    const now = Date.now();
    if (this.cache.size + userIds.length > PROFILE_CACHE_LIMIT) this.cache.clear();
    const found = new Map<number, SenderProfile>();
    for (const user of Object.values(reply.users) as businessUserExt.User[]) {
      const profile = {
        userId: user.userId,
        nickname: user.nickname,
        avatarUrl: user.avatarUrl,
        extra: user.extra,
      };
      this.cache.set(user.userId, { profile, fetchedAt: now });
      found.set(user.userId, profile);
    }
    return found;
  }
}
