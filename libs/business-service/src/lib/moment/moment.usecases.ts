import { Injectable, Logger } from '@nestjs/common';
import { businessMoment } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { MessageCommand } from '@gim/protocol';
import { Caller } from '../auth/auth';
import { UserNotifier } from '../friend/friend';
import { User } from '../user/user';
import { UserRepository } from '../user/user.repository';
import { FileUrls, UploadedFiles } from './moment-files';
import { MomentRepository, StoredComment, StoredMoment } from './moment.repository';

/** Timeline page size when the client asks for 0, and at most. */
const PAGE_DEFAULT = 20;
const PAGE_MAX = 100;
/** Comments and likers `Get` returns at most. */
const DETAIL_MAX = 200;

/** A moment as its reader sees it: counts leave out the likes and comments of users in a block with the reader. */
export interface MomentView {
  moment: StoredMoment;
  author: User;
  /** download URLs of its files */
  fileUrls: string[];
  likeCount: number;
  commentCount: number;
  liked: boolean;
}

/** A comment as its reader sees it. */
export interface CommentView {
  comment: StoredComment;
  author: User;
}

/**
 * Moments inside an app: a user posts, deletes, likes and comments; a timeline shows the moments of the user and
 * its friends, newest first. Who may see a moment is MomentRepository's rule (the author, and the author's friends
 * unless a block stands); a moment the reader may not see answers 10240 (not found), whether it exists or not, and
 * the likes and comments of users in a block with the reader are never shown or counted. A moment's files must be
 * files its author uploaded to the file service (10241 otherwise). The author learns of likes and comments as
 * stored MC_MOMENT_LIKED / MC_MOMENT_COMMENTED messages.
 */
@Injectable()
export class MomentUseCases {
  private readonly logger = new Logger('moments');

  constructor(
    private readonly moments: MomentRepository,
    private readonly users: UserRepository,
    private readonly notifier: UserNotifier,
    private readonly urls: FileUrls,
    private readonly files: UploadedFiles,
  ) {}

  /** Posts a moment as the caller, naming only files the caller uploaded to the file service in its app. */
  async post(caller: Caller, text: string, fileUrls: readonly string[]): Promise<StoredMoment> {
    if (text === '' && fileUrls.length === 0)
      throw new GimError(ErrorCode.BadRequest, 'bad request: a moment needs text or at least one file');
    const names = fileUrls.map((url) => {
      const name = this.urls.nameOf(url);
      if (name === undefined)
        throw new GimError(
          ErrorCode.MomentFileRefused,
          `${url} is not a URL of this gim's file service (${this.urls.urlOf('<name>')})`,
        );
      return name;
    });
    const owned = await this.files.ownedBy(caller.appId, caller.userId, [...new Set(names)]);
    const foreign = names.find((name) => !owned.has(name));
    if (foreign !== undefined)
      throw new GimError(ErrorCode.MomentFileRefused, `file ${foreign} is not a file the caller uploaded`);
    return this.moments.post(caller.appId, caller.userId, text, names);
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
    const moments = await this.moments.timeline(caller.userId, beforeId, size + 1);
    const page = moments.slice(0, size);
    return {
      views: await this.views(caller, page),
      next: moments.length > size ? (page.at(-1)?.id ?? 0) : 0,
    };
  }

  /** One moment the caller may see, with its latest comments and likers that the caller may see. */
  async get(
    caller: Caller,
    momentId: number,
  ): Promise<{ view: MomentView; comments: CommentView[]; likers: User[] }> {
    const moment = await this.visible(caller, momentId);
    const [[view], comments, likerIds] = await Promise.all([
      this.views(caller, [moment]),
      this.moments.comments(momentId, caller.userId, DETAIL_MAX),
      this.moments.likers(momentId, caller.userId, DETAIL_MAX),
    ]);
    if (!view) throw notFound(momentId);
    const profiles = await this.profiles([...comments.map((c) => c.userId), ...likerIds]);
    return {
      view,
      comments: comments.flatMap((comment) => {
        const user = profiles.get(comment.userId);
        return user ? [{ comment, author: user }] : [];
      }),
      likers: likerIds.flatMap((id) => profiles.get(id) ?? []),
    };
  }

  // The moment, when the caller may see it; 10240 otherwise, so other apps' and strangers' moments do not exist.
  private async visible(caller: Caller, momentId: number): Promise<StoredMoment> {
    const moment = await this.moments.findVisible(momentId, caller.appId, caller.userId);
    if (!moment) throw notFound(momentId);
    return moment;
  }

  // The moments as the caller sees them: authors' profiles, file URLs, counts without hidden users, its own likes.
  private async views(caller: Caller, moments: readonly StoredMoment[]): Promise<MomentView[]> {
    const ids = moments.map((moment) => moment.id);
    const [profiles, liked, hidden] = await Promise.all([
      this.profiles(moments.map((moment) => moment.userId)),
      this.moments.likedBy(caller.userId, ids),
      this.moments.hiddenFrom(caller.userId, ids),
    ]);
    return moments.flatMap((moment) => {
      const author = profiles.get(moment.userId);
      if (!author) return [];
      const unseen = hidden.get(moment.id) ?? { likes: 0, comments: 0 };
      return [
        {
          moment,
          author,
          fileUrls: moment.fileNames.map((name) => this.urls.urlOf(name)),
          likeCount: moment.likeCount - unseen.likes,
          commentCount: moment.commentCount - unseen.comments,
          liked: liked.has(moment.id),
        },
      ];
    });
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
