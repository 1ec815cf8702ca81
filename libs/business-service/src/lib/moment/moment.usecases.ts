import { Injectable, Logger } from '@nestjs/common';
import { businessMoment } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { MessageCommand } from '@gim/protocol';
import { Caller } from '../auth/auth';
import { FriendStatus, UserNotifier } from '../friend/friend';
import { FriendRepository } from '../friend/friend.repository';
import { User } from '../user/user';
import { UserRepository } from '../user/user.repository';
import { MomentRepository, StoredComment, StoredMoment } from './moment.repository';

/** Timeline page size when the client asks for 0, and at most. */
const PAGE_DEFAULT = 20;
const PAGE_MAX = 100;
/** Comments and likers `Get` returns at most. */
const DETAIL_MAX = 200;

/** A moment as its reader sees it. */
export interface MomentView {
  moment: StoredMoment;
  author: User;
  liked: boolean;
}

/** A comment as its reader sees it. */
export interface CommentView {
  comment: StoredComment;
  author: User;
}

/** Who may see a moment. */
export const momentRules = {
  /** Its author may, and the author's friends unless one of the two blocks the other. */
  visible(readerId: number, authorId: number, friends: boolean, blocked: boolean): boolean {
    if (readerId === authorId) return true;
    return friends && !blocked;
  },
};

/**
 * Moments inside an app: a user posts, deletes, likes and comments; a timeline shows the moments of the user and
 * its friends, newest first. A moment the reader may not see answers 10240 (not found), whether it exists or not.
 * The author learns of likes and comments as stored MC_MOMENT_LIKED / MC_MOMENT_COMMENTED messages.
 */
@Injectable()
export class MomentUseCases {
  private readonly logger = new Logger('moments');

  constructor(
    private readonly moments: MomentRepository,
    private readonly relations: FriendRepository,
    private readonly users: UserRepository,
    private readonly notifier: UserNotifier,
  ) {}

  /** Posts a moment as the caller. */
  post(caller: Caller, text: string, fileUrls: readonly string[]): Promise<StoredMoment> {
    if (text === '' && fileUrls.length === 0)
      throw new GimError(ErrorCode.BadRequest, 'bad request: a moment needs text or at least one file');
    return this.moments.post(caller.appId, caller.userId, text, fileUrls);
  }

  /** Deletes one of the caller's moments. */
  async remove(caller: Caller, momentId: number): Promise<void> {
    const moment = await this.moments.find(momentId);
    if (!moment || moment.userId !== caller.userId) throw notFound(momentId);
    await this.moments.remove(momentId);
  }

  /** Likes a moment the caller may see; the author is told unless it is the caller. */
  async like(caller: Caller, momentId: number): Promise<void> {
    const moment = await this.visible(caller, momentId);
    if (!(await this.moments.like(momentId, caller.userId))) return;
    await this.tell(caller, moment, MessageCommand.MC_MOMENT_LIKED, 0, '');
  }

  /** Takes the caller's like back. */
  async unlike(caller: Caller, momentId: number): Promise<void> {
    await this.visible(caller, momentId);
    await this.moments.unlike(momentId, caller.userId);
  }

  /** Comments on a moment the caller may see; the author is told unless it is the caller. */
  async comment(caller: Caller, momentId: number, text: string): Promise<StoredComment> {
    const moment = await this.visible(caller, momentId);
    const comment = await this.moments.comment(momentId, caller.userId, text);
    await this.tell(caller, moment, MessageCommand.MC_MOMENT_COMMENTED, comment.id, text);
    return comment;
  }

  /** Deletes a comment: the caller's own, or any on the caller's moment. */
  async removeComment(caller: Caller, commentId: number): Promise<void> {
    const comment = await this.moments.findComment(commentId);
    const moment = comment ? await this.moments.find(comment.momentId) : undefined;
    if (!comment || !moment || (comment.userId !== caller.userId && moment.userId !== caller.userId))
      throw new GimError(ErrorCode.MomentNotFound, `comment ${commentId} not found`);
    await this.moments.removeComment(comment);
  }

  /** The moments of the caller and its friends (blocked users left out), newest first, older than `beforeId`. */
  async timeline(
    caller: Caller,
    beforeId: number,
    limit: number,
  ): Promise<{ views: MomentView[]; next: number }> {
    const size = Math.min(limit === 0 ? PAGE_DEFAULT : limit, PAGE_MAX);
    const friendIds = (await this.relations.friends(caller.userId)).map((row) => row.friendId);
    const blocked = await this.relations.blocksAmong(friendIds.map((id) => [caller.userId, id] as const));
    const authors = [caller.userId, ...friendIds.filter((id) => !blocked.has(`${caller.userId}:${id}`))];
    const moments = await this.moments.byAuthors(authors, beforeId, size + 1);
    const page = moments.slice(0, size);
    const [profiles, liked] = await Promise.all([
      this.profiles(page.map((moment) => moment.userId)),
      this.moments.likedBy(
        caller.userId,
        page.map((moment) => moment.id),
      ),
    ]);
    const views = page.flatMap((moment) => {
      const author = profiles.get(moment.userId);
      return author ? [{ moment, author, liked: liked.has(moment.id) }] : [];
    });
    return { views, next: moments.length > size ? (page.at(-1)?.id ?? 0) : 0 };
  }

  /** One moment the caller may see, with its latest comments and likers. */
  async get(
    caller: Caller,
    momentId: number,
  ): Promise<{ view: MomentView; comments: CommentView[]; likers: User[] }> {
    const moment = await this.visible(caller, momentId);
    const [comments, likerIds, liked] = await Promise.all([
      this.moments.comments(momentId, DETAIL_MAX),
      this.moments.likers(momentId, DETAIL_MAX),
      this.moments.likedBy(caller.userId, [momentId]),
    ]);
    const profiles = await this.profiles([moment.userId, ...comments.map((c) => c.userId), ...likerIds]);
    const author = profiles.get(moment.userId);
    if (!author) throw notFound(momentId);
    return {
      view: { moment, author, liked: liked.has(momentId) },
      comments: comments.flatMap((comment) => {
        const user = profiles.get(comment.userId);
        return user ? [{ comment, author: user }] : [];
      }),
      likers: likerIds.flatMap((id) => profiles.get(id) ?? []),
    };
  }

  // The moment, when the caller may see it; 10240 otherwise, so other apps' and strangers' moments do not exist.
  private async visible(caller: Caller, momentId: number): Promise<StoredMoment> {
    const moment = await this.moments.find(momentId);
    if (!moment || moment.appId !== caller.appId) throw notFound(momentId);
    if (moment.userId === caller.userId) return moment;
    const [[mine], blocks] = await Promise.all([
      this.relations.between(caller.userId, moment.userId),
      this.relations.blocksAmong([[caller.userId, moment.userId]]),
    ]);
    const friends = mine?.status === FriendStatus.Friends;
    if (!momentRules.visible(caller.userId, moment.userId, friends, blocks.size > 0))
      throw notFound(momentId);
    return moment;
  }

  private async profiles(ids: readonly number[]): Promise<Map<number, User>> {
    if (ids.length === 0) return new Map();
    return new Map((await this.users.findByIds([...new Set(ids)])).map((user) => [user.id, user]));
  }

  // Tells the author, except about its own likes and comments; a notice that cannot be stored is logged.
  private async tell(
    caller: Caller,
    moment: StoredMoment,
    command: number,
    commentId: number,
    text: string,
  ): Promise<void> {
    if (moment.userId === caller.userId) return;
    const profiles = await this.profiles([caller.userId, moment.userId]);
    const me = profiles.get(caller.userId);
    const author = profiles.get(moment.userId);
    if (!me || !author) return;
    const content = businessMoment.MomentNoticePush.encode({
      momentId: moment.id,
      userId: me.appUserId,
      nickname: me.nickname,
      commentId,
      text,
    }).finish();
    try {
      await this.notifier.notify(author.appId, author.appUserId, command, content);
    } catch (error) {
      this.logger.warn(`notice ${command} to user ${author.id} not stored: ${String(error)}`);
    }
  }
}

function notFound(momentId: number): GimError {
  return new GimError(ErrorCode.MomentNotFound, `moment ${momentId} not found`);
}
