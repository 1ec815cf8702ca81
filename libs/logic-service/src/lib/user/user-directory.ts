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

  constructor(private readonly users: PromiseClient<businessUserInt.UserIntServiceClient>) {}

  /** Succeeds when the token is the device's live token for this user; GimError(10000) otherwise. */
  async authenticate(userId: number, deviceId: number, token: string): Promise<void> {
    await this.users.auth({ userId, deviceId, token });
  }

  /** Profiles of the given users; users that do not exist are absent from the map. */
  async profiles(userIds: readonly number[]): Promise<Map<number, SenderProfile>> {
    const now = Date.now();
    const found = new Map<number, SenderProfile>();
    const missing: Record<number, number> = {};
    let missingCount = 0;
    for (const userId of userIds) {
      const cached = this.cache.get(userId);
      if (cached && now - cached.fetchedAt < PROFILE_TTL_MS) found.set(userId, cached.profile);
      else if (!(userId in missing)) {
        missing[userId] = 0;
        missingCount++;
      }
    }
    if (missingCount === 0) return found;
    const reply = await this.users.getUsers({ userIds: missing });
    if (this.cache.size + missingCount > PROFILE_CACHE_LIMIT) this.cache.clear();
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
