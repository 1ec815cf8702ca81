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

/** A moment as stored; `userId` is gim's id. */
export interface StoredMoment {
  id: number;
  appId: number;
  userId: number;
  text: string;
  fileUrls: string[];
  likeCount: number;
  commentCount: number;
  createdAt: number;
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
  files: string;
  like_count: number | string;
  comment_count: number | string;
  created_at: unknown;
}

function toMoment(row: MomentRow): StoredMoment {
  let fileUrls: unknown;
  try {
    fileUrls = JSON.parse(row.files);
  } catch {
    fileUrls = [];
  }
  return {
    id: Number(row.id),
    appId: Number(row.app_id),
    userId: Number(row.user_id),
    text: row.text,
    fileUrls: Array.isArray(fileUrls) ? fileUrls.filter((url): url is string => typeof url === 'string') : [],
    likeCount: Number(row.like_count),
    commentCount: Number(row.comment_count),
    createdAt: dateTimeMs(row.created_at),
  };
}

const MOMENT_COLUMNS = 'id, app_id, user_id, text, files, like_count, comment_count, created_at';

/** Moments, likes and comments (tables `moment`, `moment_like`, `moment_comment`). */
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
    fileUrls: readonly string[],
  ): Promise<StoredMoment> {
    const createdAt = Date.now();
    const row = await this.db.run(() =>
      this.db.dataSource.getRepository(MomentEntity).save({
        appId,
        userId,
        text,
        files: JSON.stringify(fileUrls),
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
      fileUrls: [...fileUrls],
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

  /** Deletes a moment with its likes and comments. */
  async remove(id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM moment_like WHERE moment_id = ?', [id]);
      await tx.query('DELETE FROM moment_comment WHERE moment_id = ?', [id]);
      await tx.query('DELETE FROM moment WHERE id = ?', [id]);
    });
  }

  /** The moments of these authors older than `beforeId` (0: newest), newest first, at most `limit`. */
  async byAuthors(authors: readonly number[], beforeId: number, limit: number): Promise<StoredMoment[]> {
    if (authors.length === 0) return [];
    const rows = await this.db.query<MomentRow[]>(
      `SELECT ${MOMENT_COLUMNS} FROM moment WHERE user_id IN (${placeholders(authors.length)})` +
        `${beforeId > 0 ? ' AND id < ?' : ''} ORDER BY id DESC LIMIT ?`,
      [...authors, ...(beforeId > 0 ? [beforeId] : []), limit],
    );
    return rows.map(toMoment);
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

  /** Who liked a moment, newest first, at most `limit`. */
  async likers(momentId: number, limit: number): Promise<number[]> {
    const rows = await this.db.query<{ user_id: number | string }[]>(
      'SELECT user_id FROM moment_like WHERE moment_id = ? ORDER BY created_at DESC, user_id LIMIT ?',
      [momentId, limit],
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

  /** A moment's latest comments (at most `limit`), oldest first. */
  async comments(momentId: number, limit: number): Promise<StoredComment[]> {
    const rows = await this.db.run(() =>
      this.db.dataSource
        .getRepository(MomentCommentEntity)
        .find({ where: { momentId }, order: { id: 'DESC' }, take: limit }),
    );
    return rows.reverse().map((row) => ({
      id: row.id,
      momentId: row.momentId,
      userId: row.userId,
      text: row.text,
      createdAt: row.createdAt.getTime(),
    }));
  }
}
