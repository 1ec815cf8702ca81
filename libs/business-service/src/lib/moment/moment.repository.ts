import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  Database,
  dateTimeMs,
  isDuplicateKey,
  MomentCommentEntity,
  MomentEntity,
  MomentLikeEntity,
  placeholders,
  sqlDateTime,
} from '@gim/storage';
import { BUSINESS_DATA_SOURCE } from '../business.tokens';
import { FriendStatus } from '../friend/friend';

/** A moment as stored; `userId` is gim's id; the counts are of every like and comment, whoever made them. */
export interface StoredMoment {
  id: number;
  appId: number;
  userId: number;
  text: string;
  /** stored names of its files in the file service */
  fileNames: string[];
  likeCount: number;
  commentCount: number;
  createdAt: number;
}

/** Likes and comments on one moment that its reader does not see. */
export interface HiddenCounts {
  likes: number;
  comments: number;
}

/** A comment as stored. */
export interface StoredComment {
  id: number;
  momentId: number;
  userId: number;
  text: string;
  createdAt: number;
}

interface MomentRow {
  id: number | string;
  app_id: number | string;
  user_id: number | string;
  text: string;
  file_names: string;
  like_count: number | string;
  comment_count: number | string;
  created_at: unknown;
}

function toMoment(row: MomentRow): StoredMoment {
  let fileNames: unknown;
  try {
    fileNames = JSON.parse(row.file_names);
  } catch {
    fileNames = [];
  }
  return {
    id: Number(row.id),
    appId: Number(row.app_id),
    userId: Number(row.user_id),
    text: row.text,
    fileNames: Array.isArray(fileNames)
      ? fileNames.filter((name): name is string => typeof name === 'string')
      : [],
    likeCount: Number(row.like_count),
    commentCount: Number(row.comment_count),
    createdAt: dateTimeMs(row.created_at),
  };
}

interface CommentRow {
  id: number | string;
  moment_id: number | string;
  user_id: number | string;
  text: string;
  created_at: unknown;
}

const MOMENT_COLUMNS = 'id, app_id, user_id, text, file_names, like_count, comment_count, created_at';

/** A piece of SQL and its parameters, in order. */
interface Fragment {
  sql: string;
  params: unknown[];
}

/** The users a reader never sees, as a subquery: those it blocks and those who block it. */
function blockedWith(readerId: number): Fragment {
  return {
    sql:
      '(SELECT b.blocked_id FROM user_block b WHERE b.user_id = ?' +
      ' UNION SELECT b.user_id FROM user_block b WHERE b.blocked_id = ?)',
    params: [readerId, readerId],
  };
}

/**
 * Who may see a moment, as a condition on `moment.user_id`: the author itself, and the author's friends unless
 * one of the two blocks the other. The one statement of the rule; the timeline and every single-moment call use it.
 */
function visibleTo(readerId: number): Fragment {
  const blocked = blockedWith(readerId);
  return {
    sql:
      '(moment.user_id = ? OR (moment.user_id IN (SELECT f.friend_id FROM friend f WHERE f.user_id = ? AND f.status = ?)' +
      ` AND moment.user_id NOT IN ${blocked.sql}))`,
    params: [readerId, readerId, FriendStatus.Friends, ...blocked.params],
  };
}

/**
 * Moments, likes and comments (tables `moment`, `moment_like`, `moment_comment`). Who sees what is decided in the
 * same statements, from the `friend` and `user_block` tables, so no list of friends or blocks is ever sent.
 */
@Injectable()
export class MomentRepository {
  private readonly db: Database;

  constructor(@Inject(BUSINESS_DATA_SOURCE) dataSource: DataSource) {
    this.db = Database.of(dataSource);
  }

  /** Stores a moment; returns it. */
  async post(
    appId: number,
    userId: number,
    text: string,
    fileNames: readonly string[],
  ): Promise<StoredMoment> {
    const createdAt = Date.now();
    const row = await this.db.run(() =>
      this.db.dataSource.getRepository(MomentEntity).save({
        appId,
        userId,
        text,
        fileNames: JSON.stringify(fileNames),
        likeCount: 0,
        commentCount: 0,
        createdAt: new Date(createdAt),
      }),
    );
    return {
      id: row.id,
      appId,
      userId,
      text,
      fileNames: [...fileNames],
      likeCount: 0,
      commentCount: 0,
      createdAt,
    };
  }

  /** The moment with this id, if any. */
  async find(id: number): Promise<StoredMoment | undefined> {
    const [row] = await this.db.query<MomentRow[]>(`SELECT ${MOMENT_COLUMNS} FROM moment WHERE id = ?`, [id]);
    return row === undefined ? undefined : toMoment(row);
  }

  /** The moment with this id when `readerId`, of app `appId`, may see it. */
  async findVisible(id: number, appId: number, readerId: number): Promise<StoredMoment | undefined> {
    const visible = visibleTo(readerId);
    const [row] = await this.db.query<MomentRow[]>(
      `SELECT ${MOMENT_COLUMNS} FROM moment WHERE id = ? AND app_id = ? AND ${visible.sql}`,
      [id, appId, ...visible.params],
    );
    return row === undefined ? undefined : toMoment(row);
  }

  /** Deletes a moment with its likes and comments. */
  async remove(id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM moment_like WHERE moment_id = ?', [id]);
      await tx.query('DELETE FROM moment_comment WHERE moment_id = ?', [id]);
      await tx.query('DELETE FROM moment WHERE id = ?', [id]);
    });
  }

  /** The moments `readerId` may see older than `beforeId` (0: newest), newest first, at most `limit`. */
  async timeline(readerId: number, beforeId: number, limit: number): Promise<StoredMoment[]> {
    const visible = visibleTo(readerId);
    const rows = await this.db.query<MomentRow[]>(
      `SELECT ${MOMENT_COLUMNS} FROM moment WHERE ${visible.sql}` +
        `${beforeId > 0 ? ' AND id < ?' : ''} ORDER BY id DESC LIMIT ?`,
      [...visible.params, ...(beforeId > 0 ? [beforeId] : []), limit],
    );
    return rows.map(toMoment);
  }

  /** Of these moments, the likes and comments `readerId` does not see (a block stands with their author). */
  async hiddenFrom(readerId: number, momentIds: readonly number[]): Promise<Map<number, HiddenCounts>> {
    const hidden = new Map<number, HiddenCounts>();
    if (momentIds.length === 0) return hidden;
    const blocked = blockedWith(readerId);
    const ids = placeholders(momentIds.length);
    const rows = await this.db.query<{ kind: string; moment_id: number | string; n: number | string }[]>(
      `SELECT 'like' AS kind, moment_id, COUNT(*) AS n FROM moment_like WHERE moment_id IN (${ids})` +
        ` AND user_id IN ${blocked.sql} GROUP BY moment_id` +
        ` UNION ALL SELECT 'comment' AS kind, moment_id, COUNT(*) AS n FROM moment_comment WHERE moment_id IN (${ids})` +
        ` AND user_id IN ${blocked.sql} GROUP BY moment_id`,
      [...momentIds, ...blocked.params, ...momentIds, ...blocked.params],
    );
    for (const row of rows) {
      const id = Number(row.moment_id);
      const counts = hidden.get(id) ?? { likes: 0, comments: 0 };
      if (row.kind === 'like') counts.likes = Number(row.n);
      else counts.comments = Number(row.n);
      hidden.set(id, counts);
    }
    return hidden;
  }

  /** Records a like; false when the user had liked it already. */
  async like(momentId: number, userId: number): Promise<boolean> {
    try {
      await this.db.transaction(async (tx) => {
        await tx.query('INSERT INTO moment_like (moment_id, user_id, created_at) VALUES (?, ?, ?)', [
          momentId,
          userId,
          sqlDateTime(Date.now()),
        ]);
        await tx.query('UPDATE moment SET like_count = like_count + 1 WHERE id = ?', [momentId]);
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Takes a like back; false when there was none. */
  async unlike(momentId: number, userId: number): Promise<boolean> {
    return this.db.transaction(async ({ manager }) => {
      const result = await manager.delete(MomentLikeEntity, { momentId, userId });
      if ((result.affected ?? 0) === 0) return false;
      await manager.decrement(MomentEntity, { id: momentId }, 'likeCount', 1);
      return true;
    });
  }

  /** Of these moments, those `userId` liked. */
  async likedBy(userId: number, momentIds: readonly number[]): Promise<Set<number>> {
    if (momentIds.length === 0) return new Set();
    const rows = await this.db.query<{ moment_id: number | string }[]>(
      `SELECT moment_id FROM moment_like WHERE user_id = ? AND moment_id IN (${placeholders(momentIds.length)})`,
      [userId, ...momentIds],
    );
    return new Set(rows.map((row) => Number(row.moment_id)));
  }

  /** Who liked a moment, as `readerId` sees it (no one in a block with it), newest first, at most `limit`. */
  async likers(momentId: number, readerId: number, limit: number): Promise<number[]> {
    const blocked = blockedWith(readerId);
    const rows = await this.db.query<{ user_id: number | string }[]>(
      `SELECT user_id FROM moment_like WHERE moment_id = ? AND user_id NOT IN ${blocked.sql}` +
        ' ORDER BY created_at DESC, user_id LIMIT ?',
      [momentId, ...blocked.params, limit],
    );
    return rows.map((row) => Number(row.user_id));
  }

  /** Stores a comment; returns it. */
  async comment(momentId: number, userId: number, text: string): Promise<StoredComment> {
    const createdAt = Date.now();
    return this.db.transaction(async ({ manager }) => {
      const row = await manager.save(MomentCommentEntity, {
        momentId,
        userId,
        text,
        createdAt: new Date(createdAt),
      });
      await manager.increment(MomentEntity, { id: momentId }, 'commentCount', 1);
      return { id: row.id, momentId, userId, text, createdAt };
    });
  }

  /** The comment with this id, if any. */
  async findComment(id: number): Promise<StoredComment | undefined> {
    const row = await this.db.run(() =>
      this.db.dataSource.getRepository(MomentCommentEntity).findOneBy({ id }),
    );
    return row
      ? {
          id: row.id,
          momentId: row.momentId,
          userId: row.userId,
          text: row.text,
          createdAt: row.createdAt.getTime(),
        }
      : undefined;
  }

  /** Deletes a comment. */
  async removeComment(comment: StoredComment): Promise<void> {
    await this.db.transaction(async ({ manager }) => {
      const result = await manager.delete(MomentCommentEntity, { id: comment.id });
      if ((result.affected ?? 0) > 0)
        await manager.decrement(MomentEntity, { id: comment.momentId }, 'commentCount', 1);
    });
  }

  /** A moment's latest comments as `readerId` sees them (none by anyone in a block with it), at most `limit`, oldest first. */
  async comments(momentId: number, readerId: number, limit: number): Promise<StoredComment[]> {
    const blocked = blockedWith(readerId);
    const rows = await this.db.query<CommentRow[]>(
      'SELECT id, moment_id, user_id, text, created_at FROM moment_comment' +
        ` WHERE moment_id = ? AND user_id NOT IN ${blocked.sql} ORDER BY id DESC LIMIT ?`,
      [momentId, ...blocked.params, limit],
    );
    return rows.reverse().map((row) => ({
      id: Number(row.id),
      momentId: Number(row.moment_id),
      userId: Number(row.user_id),
      text: row.text,
      createdAt: dateTimeMs(row.created_at),
    }));
  }
}
