import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  chunks,
  Database,
  dateTimeMs,
  FriendEntity,
  isDuplicateKey,
  placeholders,
  sqlDateTime,
  UserBlockEntity,
} from '@gim/storage';
import { BUSINESS_DATA_SOURCE } from '../business.tokens';
import { FriendRow, FriendStatus, PendingRequest } from './friend';

interface Row {
  user_id: number | string;
  friend_id: number | string;
  status: number | string;
  remarks: string;
  extra: string;
  description: string;
  created_at: unknown;
}

function toRow(row: Row): FriendRow {
  return {
    userId: Number(row.user_id),
    friendId: Number(row.friend_id),
    status: Number(row.status) as FriendStatus,
    remarks: row.remarks,
    extra: row.extra,
    description: row.description,
    createdAt: dateTimeMs(row.created_at),
  };
}

const COLUMNS = 'user_id, friend_id, status, remarks, extra, description, created_at';
/** Pairs per statement when checking many sends at once. */
const PAIRS_PER_STATEMENT = 500;

/** Thrown inside befriend's transaction to roll it back when the request it promotes is gone. */
class RequestGone extends Error {}

/** Friend requests, friendships and blocks (tables `friend` and `user_block`), by gim's user ids. */
@Injectable()
export class FriendRepository {
  private readonly db: Database;

  constructor(@Inject(BUSINESS_DATA_SOURCE) dataSource: DataSource) {
    this.db = Database.of(dataSource);
  }

  /** Both sides' rows between two users: [a's row for b, b's row for a]. */
  async between(a: number, b: number): Promise<[FriendRow | undefined, FriendRow | undefined]> {
    const rows = await this.db.query<Row[]>(
      `SELECT ${COLUMNS} FROM friend WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)`,
      [a, b, b, a],
    );
    const mapped = rows.map(toRow);
    return [mapped.find((row) => row.userId === a), mapped.find((row) => row.userId === b)];
  }

  /**
   * Records `from`'s request to `to`; false, storing nothing, when `from` already has a row for `to` (a request or
   * a friendship that another call stored first).
   */
  async request(from: number, to: number, remarks: string, description: string): Promise<boolean> {
    const now = sqlDateTime(Date.now());
    try {
      await this.db.query(
        'INSERT INTO friend (user_id, friend_id, status, remarks, extra, description, created_at, updated_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [from, to, FriendStatus.Requested, remarks, '', description, now, now],
      );
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /**
   * Makes two users friends: `asker`'s waiting request becomes a friendship and `accepter` gets its side (replacing
   * a request of its own). False, changing nothing, when the request is no longer waiting (withdrawn, refused or
   * answered meanwhile).
   */
  async befriend(asker: number, accepter: number, accepterRemarks: string): Promise<boolean> {
    const now = sqlDateTime(Date.now());
    try {
      await this.db.transaction(async (tx) => {
        const promoted = await tx.manager
          .getRepository(FriendEntity)
          .update(
            { userId: asker, friendId: accepter, status: FriendStatus.Requested },
            { status: FriendStatus.Friends },
          );
        if ((promoted.affected ?? 0) === 0) throw new RequestGone();
        await tx.query('DELETE FROM friend WHERE user_id = ? AND friend_id = ?', [accepter, asker]);
        await tx.query(
          'INSERT INTO friend (user_id, friend_id, status, remarks, extra, description, created_at, updated_at) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [accepter, asker, FriendStatus.Friends, accepterRemarks, '', '', now, now],
        );
      });
      return true;
    } catch (error) {
      if (error instanceof RequestGone) return false;
      throw error;
    }
  }

  /** Removes `user`'s row for `other` when its status is `status`; true when there was one. */
  async removeOne(user: number, other: number, status: FriendStatus): Promise<boolean> {
    const removed = await this.db.change(
      'DELETE FROM friend WHERE user_id = ? AND friend_id = ? AND status = ?',
      [user, other, status],
    );
    return removed > 0;
  }

  /** Removes every row between two users (a friendship's two sides, requests either way). */
  async removeBoth(a: number, b: number): Promise<void> {
    await this.db.query(
      'DELETE FROM friend WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)',
      [a, b, b, a],
    );
  }

  /** Sets `user`'s remarks and extra for its friend `friend`; false when they are not friends. */
  async update(user: number, friend: number, remarks: string, extra: string): Promise<boolean> {
    const result = await this.db.run(() =>
      this.db.dataSource
        .getRepository(FriendEntity)
        .update({ userId: user, friendId: friend, status: FriendStatus.Friends }, { remarks, extra }),
    );
    return (result.affected ?? 0) > 0;
  }

  /** `user`'s friendships, oldest first. */
  async friends(user: number): Promise<FriendRow[]> {
    const rows = await this.db.query<Row[]>(
      `SELECT ${COLUMNS} FROM friend WHERE user_id = ? AND status = ? ORDER BY created_at, friend_id`,
      [user, FriendStatus.Friends],
    );
    return rows.map(toRow);
  }

  /** Requests waiting: asked of `user` and asked by `user`, newest first (other = the other user). */
  async pending(user: number): Promise<{ received: PendingRequest[]; sent: PendingRequest[] }> {
    const [received, sent] = await Promise.all([
      this.db.query<Row[]>(
        `SELECT ${COLUMNS} FROM friend WHERE friend_id = ? AND status = ? ORDER BY created_at DESC, user_id`,
        [user, FriendStatus.Requested],
      ),
      this.db.query<Row[]>(
        `SELECT ${COLUMNS} FROM friend WHERE user_id = ? AND status = ? ORDER BY created_at DESC, friend_id`,
        [user, FriendStatus.Requested],
      ),
    ]);
    return {
      received: received.map(toRow).map((row) => ({ ...row, other: row.userId })),
      sent: sent.map(toRow).map((row) => ({ ...row, other: row.friendId })),
    };
  }

  /** Records that `user` blocks `blocked` (again: no change). */
  async block(user: number, blocked: number): Promise<void> {
    const now = sqlDateTime(Date.now());
    const insert =
      this.db.dialect === 'sqlite'
        ? 'INSERT INTO user_block (user_id, blocked_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'
        : 'INSERT IGNORE INTO user_block (user_id, blocked_id, created_at) VALUES (?, ?, ?)';
    await this.db.query(insert, [user, blocked, now]);
  }

  /** Lifts `user`'s block of `blocked`; false when there was none. */
  async unblock(user: number, blocked: number): Promise<boolean> {
    const result = await this.db.run(() =>
      this.db.dataSource.getRepository(UserBlockEntity).delete({ userId: user, blockedId: blocked }),
    );
    return (result.affected ?? 0) > 0;
  }

  /** The users `user` blocks, newest first. */
  async blocked(user: number): Promise<number[]> {
    const rows = await this.db.query<{ blocked_id: number | string }[]>(
      'SELECT blocked_id FROM user_block WHERE user_id = ? ORDER BY created_at DESC, blocked_id',
      [user],
    );
    return rows.map((row) => Number(row.blocked_id));
  }

  /** Of these pairs, those where one user blocks the other, as `a:b` keys (both orders). */
  async blocksAmong(pairs: ReadonlyArray<readonly [number, number]>): Promise<Set<string>> {
    const found = new Set<string>();
    for (const batch of chunks([...pairs], PAIRS_PER_STATEMENT)) {
      const params = batch.flatMap(([a, b]) => [a, b, b, a]);
      const rows = await this.db.query<{ user_id: number | string; blocked_id: number | string }[]>(
        `SELECT user_id, blocked_id FROM user_block WHERE (user_id, blocked_id) IN (${placeholders(batch.length * 2, '(?, ?)')})`,
        params,
      );
      for (const row of rows) {
        found.add(`${Number(row.user_id)}:${Number(row.blocked_id)}`);
        found.add(`${Number(row.blocked_id)}:${Number(row.user_id)}`);
      }
    }
    return found;
  }

  /** Of these pairs, those that are friends, as `a:b` keys. */
  async friendsAmong(pairs: ReadonlyArray<readonly [number, number]>): Promise<Set<string>> {
    const found = new Set<string>();
    for (const batch of chunks([...pairs], PAIRS_PER_STATEMENT)) {
      const rows = await this.db.query<{ user_id: number | string; friend_id: number | string }[]>(
        `SELECT user_id, friend_id FROM friend WHERE status = ? AND (user_id, friend_id) IN (${placeholders(batch.length, '(?, ?)')})`,
        [FriendStatus.Friends, ...batch.flat()],
      );
      for (const row of rows) found.add(`${Number(row.user_id)}:${Number(row.friend_id)}`);
    }
    return found;
  }
}
