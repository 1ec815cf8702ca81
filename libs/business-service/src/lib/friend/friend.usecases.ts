import { Injectable, Logger } from '@nestjs/common';
import { businessFriend } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { MessageCommand } from '@gim/protocol';
import { Caller } from '../auth/auth';
import { BusinessConfig } from '../business.config';
import { User } from '../user/user';
import { UserRepository } from '../user/user.repository';
import { FriendRow, FriendStatus, MessagingRule, RelationChanges, UserNotifier } from './friend';
import { FriendRepository } from './friend.repository';

/** A friend as the caller sees it: the relation and the friend's profile. */
export interface FriendView {
  user: User;
  row: FriendRow;
}

/** A waiting request as the caller sees it: the other user's profile and the request. */
export interface RequestView {
  user: User;
  description: string;
  createdAt: number;
}

/** The verdict on one send: 0 allowed, else the refusing code. */
export type SendVerdict = 0 | ErrorCode.FriendNotFound | ErrorCode.Blocked;

/** The relation rules, one function per decision, each throwing its refusal's code. */
export const friendRules = {
  /** No friend call names the caller itself: nobody befriends, answers, sets or blocks itself. */
  notSelf(caller: Caller, other: User): void {
    if (other.id === caller.userId)
      throw new GimError(ErrorCode.FriendSelf, 'a user cannot be its own friend, nor block itself');
  },

  /** A new request is refused when the caller already has a row for the other user: 10211 friends, 10212 asked. */
  alreadyRelated(mine: FriendStatus, appUserId: number): GimError {
    return mine === FriendStatus.Friends
      ? new GimError(ErrorCode.AlreadyFriends, `already friends with user ${appUserId}`)
      : new GimError(ErrorCode.FriendRequestWaiting, `a request to user ${appUserId} is already waiting`);
  },

  /** An answer (agree, refuse) with no request to answer is refused: 10211 when friends already, else 10210. */
  noRequest(mine: FriendStatus | undefined, appUserId: number): GimError {
    return mine === FriendStatus.Friends
      ? new GimError(ErrorCode.AlreadyFriends, `already friends with user ${appUserId}`)
      : new GimError(ErrorCode.FriendNotFound, `no friend request from user ${appUserId}`);
  },

  /** Nothing new happens between two users while one blocks the other. */
  notBlocked(blocked: boolean): void {
    if (blocked) throw new GimError(ErrorCode.Blocked, 'one of the two users blocks the other');
  },

  /** Whether a send may go: blocks refuse it under any rule; under `friends` only friends (or oneself) may send. */
  send(rule: MessagingRule, self: boolean, friends: boolean, blocked: boolean): SendVerdict {
    if (self) return 0;
    if (blocked) return ErrorCode.Blocked;
    if (rule === 'friends' && !friends) return ErrorCode.FriendNotFound;
    return 0;
  },
};

/**
 * Friends and blocks inside an app: requests, answers, friendships, and who may message whom. Ids from clients are
 * the app's and are looked up in the caller's app only; the other side learns of a request and of its acceptance
 * as stored MC_ADD_FRIEND / MC_AGREE_ADD_FRIEND messages on every device.
 */
@Injectable()
export class FriendUseCases {
  private readonly logger = new Logger('friends');

  constructor(
    private readonly config: BusinessConfig,
    private readonly relations: FriendRepository,
    private readonly users: UserRepository,
    private readonly notifier: UserNotifier,
    private readonly changes: RelationChanges,
  ) {}

  /** Asks `appUserId` to become a friend; when that user already asked the caller, they become friends at once. */
  async add(caller: Caller, appUserId: number, remarks: string, description: string): Promise<void> {
    const other = await this.other(caller, appUserId);
    friendRules.notBlocked(await this.isBlocked(caller.userId, other.id));
    const [mine, theirs] = await this.relations.between(caller.userId, other.id);
    if (mine?.status === FriendStatus.Friends || theirs?.status !== FriendStatus.Requested) {
      await this.ask(caller, other, mine, remarks, description);
      return;
    }
    if (await this.relations.befriend(other.id, caller.userId, remarks)) {
      await this.befriended(caller, other);
      return;
    }
    // Their request went away meanwhile: ask as if it had never been, unless the two became friends.
    const [now] = await this.relations.between(caller.userId, other.id);
    await this.ask(caller, other, now, remarks, description);
  }

  /** Accepts the request `appUserId` sent the caller (10210 when there is none, 10211 when already friends). */
  async agree(caller: Caller, appUserId: number, remarks: string): Promise<void> {
    const other = await this.other(caller, appUserId);
    const [mine, theirs] = await this.relations.between(caller.userId, other.id);
    if (theirs?.status !== FriendStatus.Requested) throw friendRules.noRequest(mine?.status, appUserId);
    friendRules.notBlocked(await this.isBlocked(caller.userId, other.id));
    if (!(await this.relations.befriend(other.id, caller.userId, remarks)))
      throw await this.requestGone(caller, other, appUserId);
    await this.befriended(caller, other);
  }

  /**
   * Turns down the request `appUserId` sent the caller (10210 when there is none, 10211 when the two are friends);
   * the asker is not told.
   */
  async refuse(caller: Caller, appUserId: number): Promise<void> {
    const other = await this.other(caller, appUserId);
    if (!(await this.relations.removeOne(other.id, caller.userId, FriendStatus.Requested)))
      throw await this.requestGone(caller, other, appUserId);
  }

  /** Ends a friendship (both sides) or withdraws the caller's request (10210 when neither exists). */
  async remove(caller: Caller, appUserId: number): Promise<void> {
    const other = await this.other(caller, appUserId);
    const [mine] = await this.relations.between(caller.userId, other.id);
    if (mine === undefined)
      throw new GimError(ErrorCode.FriendNotFound, `no friend or request for user ${appUserId}`);
    if (mine.status === FriendStatus.Friends) {
      await this.relations.removeBoth(caller.userId, other.id);
      await this.changes.changed(caller.userId, other.id);
    } else await this.relations.removeOne(caller.userId, other.id, FriendStatus.Requested);
  }

  /** Sets what the caller calls a friend and the relation's extra data (10210 when they are not friends). */
  async set(caller: Caller, appUserId: number, remarks: string, extra: string): Promise<void> {
    const other = await this.other(caller, appUserId);
    if (!(await this.relations.update(caller.userId, other.id, remarks, extra)))
      throw new GimError(ErrorCode.FriendNotFound, `not friends with user ${appUserId}`);
  }

  /** The caller's friends with their profiles, oldest friendship first. */
  async friends(caller: Caller): Promise<FriendView[]> {
    const rows = await this.relations.friends(caller.userId);
    const profiles = await this.profiles(rows.map((row) => row.friendId));
    return rows.flatMap((row) => {
      const user = profiles.get(row.friendId);
      return user ? [{ user, row }] : [];
    });
  }

  /** Requests waiting for an answer, received and sent, newest first. */
  async requests(caller: Caller): Promise<{ received: RequestView[]; sent: RequestView[] }> {
    const pending = await this.relations.pending(caller.userId);
    const profiles = await this.profiles([...pending.received, ...pending.sent].map((row) => row.other));
    const view = (rows: typeof pending.received): RequestView[] =>
      rows.flatMap((row) => {
        const user = profiles.get(row.other);
        return user ? [{ user, description: row.description, createdAt: row.createdAt }] : [];
      });
    return { received: view(pending.received), sent: view(pending.sent) };
  }

  /** Blocks a user: waiting requests between the two are dropped; a friendship stays but carries no message. */
  async block(caller: Caller, appUserId: number): Promise<void> {
    const other = await this.other(caller, appUserId);
    await this.relations.block(caller.userId, other.id);
    await this.changes.changed(caller.userId, other.id);
    await this.relations.removeOne(caller.userId, other.id, FriendStatus.Requested);
    await this.relations.removeOne(other.id, caller.userId, FriendStatus.Requested);
  }

  /** Lifts a block (10210 when there was none). */
  async unblock(caller: Caller, appUserId: number): Promise<void> {
    const other = await this.other(caller, appUserId);
    if (!(await this.relations.unblock(caller.userId, other.id)))
      throw new GimError(ErrorCode.FriendNotFound, `user ${appUserId} is not blocked`);
    await this.changes.changed(caller.userId, other.id);
  }

  /** The app's ids of the users the caller blocks, newest first. */
  async blocked(caller: Caller): Promise<number[]> {
    const ids = await this.relations.blocked(caller.userId);
    const profiles = await this.profiles(ids);
    return ids.flatMap((id) => {
      const user = profiles.get(id);
      return user ? [user.appUserId] : [];
    });
  }

  /** The verdict on each (sender, receiver) send, by gim's ids, under the deployment's rule and the blocks. */
  async checkSends(pairs: ReadonlyArray<readonly [number, number]>): Promise<SendVerdict[]> {
    const rule = this.config.GIM_MESSAGING_RULE as MessagingRule;
    const others = pairs.filter(([sender, receiver]) => sender !== receiver);
    const [blocks, friends] = await Promise.all([
      this.relations.blocksAmong(others),
      rule === 'friends' ? this.relations.friendsAmong(others) : Promise.resolve(new Set<string>()),
    ]);
    return pairs.map(([sender, receiver]) => {
      const key = `${sender}:${receiver}`;
      return friendRules.send(rule, sender === receiver, friends.has(key), blocks.has(key));
    });
  }

  // The caller's app's user `appUserId`, someone other than the caller (10301 when the app has none, 10214 oneself).
  private async other(caller: Caller, appUserId: number): Promise<User> {
    const [user] = await this.users.findInApp(caller.appId, [appUserId]);
    if (!user) throw new GimError(ErrorCode.UserNotFound, `user not found: ${appUserId}`);
    friendRules.notSelf(caller, user);
    return user;
  }

  // Stores the caller's request to `other` and tells `other`; `mine` is the caller's row for `other`, if any.
  private async ask(
    caller: Caller,
    other: User,
    mine: FriendRow | undefined,
    remarks: string,
    description: string,
  ): Promise<void> {
    if (mine) throw friendRules.alreadyRelated(mine.status, other.appUserId);
    if (!(await this.relations.request(caller.userId, other.id, remarks, description))) {
      // A concurrent call stored the caller's row first: its request, or a friendship.
      const [stored] = await this.relations.between(caller.userId, other.id);
      throw friendRules.alreadyRelated(stored?.status ?? FriendStatus.Requested, other.appUserId);
    }
    // Two users asking each other at once each stored a request before seeing the other's: whoever sees both now
    // makes them friends (the other's attempt then finds the friendship made and stays silent).
    const [afterwards, theirs] = await this.relations.between(caller.userId, other.id);
    if (afterwards?.status === FriendStatus.Friends) return;
    if (theirs?.status === FriendStatus.Requested) {
      if (await this.relations.befriend(other.id, caller.userId, remarks)) {
        await this.befriended(caller, other);
        return;
      }
      const [now] = await this.relations.between(caller.userId, other.id);
      if (now?.status === FriendStatus.Friends) return;
    }
    const me = await this.self(caller);
    await this.tell(
      other,
      MessageCommand.MC_ADD_FRIEND,
      businessFriend.AddFriendPush.encode({
        friendId: me.appUserId,
        nickname: me.nickname,
        avatarUrl: me.avatarUrl,
        description,
      }).finish(),
    );
  }

  // The refusal of an answer whose request is not there (any more): 10211 when the two are friends, else 10210.
  private async requestGone(caller: Caller, other: User, appUserId: number): Promise<GimError> {
    const [mine] = await this.relations.between(caller.userId, other.id);
    return friendRules.noRequest(mine?.status, appUserId);
  }

  private async befriended(caller: Caller, asker: User): Promise<void> {
    await this.changes.changed(caller.userId, asker.id);
    await this.tellAgreed(caller, asker);
  }

  private async self(caller: Caller): Promise<User> {
    const user = await this.users.findById(caller.userId);
    if (!user) throw new GimError(ErrorCode.UserNotFound, 'user not found: the caller');
    return user;
  }

  private async isBlocked(a: number, b: number): Promise<boolean> {
    return (await this.relations.blocksAmong([[a, b]])).size > 0;
  }

  private async profiles(ids: readonly number[]): Promise<Map<number, User>> {
    if (ids.length === 0) return new Map();
    return new Map((await this.users.findByIds(ids)).map((user) => [user.id, user]));
  }

  private async tellAgreed(caller: Caller, asker: User): Promise<void> {
    const me = await this.self(caller);
    await this.tell(
      asker,
      MessageCommand.MC_AGREE_ADD_FRIEND,
      businessFriend.AgreeAddFriendPush.encode({
        friendId: me.appUserId,
        nickname: me.nickname,
        avatarUrl: me.avatarUrl,
      }).finish(),
    );
  }

  // The relation is stored already: a notice that cannot be stored now is logged; GetRequests/GetFriends show it.
  private async tell(user: User, command: number, content: Uint8Array): Promise<void> {
    try {
      await this.notifier.notify(user.appId, user.appUserId, command, content);
    } catch (error) {
      this.logger.warn(`notice ${command} to user ${user.id} not stored: ${String(error)}`);
    }
  }
}
