import { businessUserExt, businessUserInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { PromiseClient } from '@gim/rpc';

/** What logic shows of a sender inside the messages it builds. */
export interface SenderProfile {
  /** the user inside gim */
  userId: number;
  appId: number;
  /** the id the user's app calls it by: what message bodies carry */
  appUserId: number;
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
  // (app, app user id) → gim's user id; a user's ids never change, so entries never go stale.
  private readonly resolved = new Map<string, number>();
  private next: { ids: Set<number>; answer: Promise<Map<number, SenderProfile>> } | undefined;

  constructor(private readonly users: PromiseClient<businessUserInt.UserIntServiceClient>) {}

  /** Who the token signs in (ids as the client names them; 0 with an app token); GimError otherwise. */
  authenticate(userId: number, deviceId: number, token: string): Promise<businessUserInt.AuthReply> {
    return this.users.auth({ userId, deviceId, token });
  }

  /**
   * gim's ids of the users an app calls `appUserIds`, for those that exist: the one way logic turns an id a
   * client or an integrator sent into a user, always inside the app of whoever sent it. In the default app the
   * ids are gim's own; they still count only when the user is the default app's.
   */
  async resolveInApp(appId: number, appUserIds: readonly number[]): Promise<Map<number, number>> {
    const resolved = new Map<number, number>();
    const missing: number[] = [];
    for (const appUserId of appUserIds) {
      const known = this.resolved.get(`${appId}:${appUserId}`);
      if (known !== undefined) resolved.set(appUserId, known);
      else missing.push(appUserId);
    }
    if (missing.length === 0) return resolved;
    const reply = await this.users.findAppUsers({ appId, appUserIds: missing });
    if (this.resolved.size + missing.length > PROFILE_CACHE_LIMIT) this.resolved.clear();
    for (const user of reply.users) {
      if (user.appId !== appId) continue;
      this.resolved.set(`${appId}:${user.appUserId}`, user.userId);
      resolved.set(user.appUserId, user.userId);
    }
    return resolved;
  }

  /** gim ids of users named by their app's ids, in the same order; 10301 names those the app does not have. */
  async requireInApp(appId: number, appUserIds: readonly number[]): Promise<number[]> {
    const found = await this.resolveInApp(appId, appUserIds);
    const missing = appUserIds.filter((id) => !found.has(id));
    if (missing.length > 0) {
      const more = missing.length > 10 ? ` and ${missing.length - 10} more` : '';
      throw new GimError(ErrorCode.UserNotFound, `user not found: ${missing.slice(0, 10).join(', ')}${more}`);
    }
    return appUserIds.map((id) => found.get(id) ?? 0);
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
        appId: user.appId,
        appUserId: user.appUserId,
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
