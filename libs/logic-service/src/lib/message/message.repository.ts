import { metrics } from '@gim/ops';
import {
  chunks,
  Database,
  dateTimeMs,
  isDuplicateKey,
  placeholders,
  SeqObjectType,
  sqlDateTime,
  Statement,
} from '@gim/storage';
import { GroupState } from '../group/group';
import { MessageIds } from './message-ids';
import { GroupVersion, InboxMessage, NewMessage, SendRecord, StoreResult } from './message';

const databaseStored = metrics.messagesStored.labels('database');

/** Rows per multi-row statement when a message goes to many users. */
const BATCH_ROWS = 500;

interface SeqRow {
  object_id: number | string;
  seq: number | string;
}

interface DedupRow {
  sender_id: number | string;
  client_msg_id: string;
  message_id: number | string;
  seq: number | string;
  created_at: unknown;
}

interface GroupStateRow {
  id: number | string;
  status: number | string;
  member_version: number | string;
}

const dedupKey = (senderId: number, clientMsgId: string): string => `${senderId}:${clientMsgId}`;

/** What a later send with the same client id gets: the first send's record (its sender's seq), or its refusal. */
function asDuplicate(result: StoreResult | undefined, senderId: number): StoreResult | undefined {
  if (result === undefined || !('messageId' in result)) return result;
  return {
    duplicate: {
      messageId: result.messageId,
      seq: result.seqs.get(senderId) ?? 0,
      createdAt: result.createdAt,
    },
  };
}

/** Statements of one round and the reader of their answers. */
interface RoundPart<T> {
  statements: Statement[];
  read(answers: readonly unknown[]): T;
}

/** Multi-row INSERTs of `rows` into `target` (`table (columns)`), BATCH_ROWS rows per statement. */
function insertStatements(target: string, rows: readonly unknown[][]): Statement[] {
  const tuple = `(${placeholders(rows[0]?.length ?? 0)})`;
  return chunks(rows, BATCH_ROWS).map((batch) => ({
    sql: `INSERT INTO ${target} VALUES ${placeholders(batch.length, tuple)}`,
    params: batch.flat(),
  }));
}

/** A group's state and member version as a commit reads them. */
interface GroupVersionRead {
  status: number;
  memberVersion: number;
}

/**
 * A group message's refusal when it may not commit: its group is dissolved (or gone) or no longer at the member
 * version its recipients were read at.
 */
function staleness(
  message: NewMessage,
  groups: ReadonlyMap<number, GroupVersionRead>,
): { stale: GroupVersion } | undefined {
  if (message.group === undefined) return undefined;
  const read = groups.get(message.group.groupId);
  const current = read?.status === GroupState.Active && read.memberVersion === message.group.memberVersion;
  return current ? undefined : { stale: message.group };
}

interface InboxRow {
  seq: number | string;
  message_id: number | string;
  command: number | string;
  content: Buffer;
  created_at: unknown;
}

/**
 * Messages, inboxes and per-user sequences. A store is one transaction for any number of messages: each
 * message row once, each recipient's next seqs (from the `seq` table, so values survive any cache loss and are
 * never reused), one inbox row per recipient, and the idempotency records — a fixed number of statements
 * whatever the number of messages. A group message is checked in the same transaction against its group's
 * member version, so it reaches exactly the members of the moment it commits.
 */
export class MessageRepository {
  private readonly ids: MessageIds;

  constructor(private readonly db: Database) {
    this.ids = new MessageIds(db);
  }

  /** The first result of a send with this client id, if there was one. */
  async findSend(senderId: number, clientMsgId: string): Promise<SendRecord | undefined> {
    const rows = await this.query<{ message_id: number | string; seq: number | string; created_at: unknown }>(
      'SELECT message_id, seq, created_at FROM send_dedup WHERE sender_id = ? AND client_msg_id = ?',
      [senderId, clientMsgId],
    );
    const row = rows[0];
    return row
      ? { messageId: Number(row.message_id), seq: Number(row.seq), createdAt: dateTimeMs(row.created_at) }
      : undefined;
  }

  /** Stores one message; with a clientMsgId already used, returns that send's record instead. */
  async store(message: NewMessage): Promise<StoreResult> {
    const [result] = await this.storeAll([message]);
    if (result === undefined) throw new Error('storeAll returned no result');
    return result;
  }

  /**
   * Stores several messages in one transaction (group commit) and returns one result per message, in order.
   * Per-user seqs are taken in the order of `messages`; a send whose (sender, clientMsgId) is already stored,
   * or appears earlier in the same call, stores nothing and returns the first send's record. A group message
   * whose group is dissolved or at another member version than the message names stores nothing and is `stale`.
   */
  async storeAll(messages: readonly NewMessage[]): Promise<StoreResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.storeAllOnce(messages);
      } catch (error) {
        // Another process stored one of these client ids between our lookup and our insert: look again.
        if (attempt >= 3 || !isDuplicateKey(error)) throw error;
      }
    }
  }

  /** Up to `limit` inbox messages of a user after `afterSeq`, ascending. */
  async inbox(userId: number, afterSeq: number, limit: number): Promise<InboxMessage[]> {
    const rows = await this.query<InboxRow>(
      'SELECT um.seq, um.message_id, m.command, m.content, m.created_at FROM user_message um ' +
        'JOIN message m ON m.id = um.message_id WHERE um.user_id = ? AND um.seq > ? ORDER BY um.seq LIMIT ?',
      [userId, afterSeq, limit],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      messageId: Number(row.message_id),
      command: Number(row.command),
      content: Buffer.from(row.content),
      createdAt: dateTimeMs(row.created_at),
    }));
  }

  /** The user's latest seq (0 before any message). */
  async currentSeq(userId: number): Promise<number> {
    const rows = await this.query<{ seq: number | string }>(
      'SELECT seq FROM seq WHERE object_type = ? AND object_id = ?',
      [SeqObjectType.User, userId],
    );
    return rows[0] ? Number(rows[0].seq) : 0;
  }

  /** Raises a device's acknowledged seq (never lowers it). */
  async ack(deviceId: number, userId: number, seq: number): Promise<void> {
    const now = sqlDateTime(Date.now());
    const sql =
      this.db.dialect === 'mysql'
        ? 'INSERT INTO device_ack (device_id, user_id, ack, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), ack = GREATEST(ack, VALUES(ack)), updated_at = VALUES(updated_at)'
        : 'INSERT INTO device_ack (device_id, user_id, ack, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT(device_id) DO UPDATE SET user_id = excluded.user_id, ack = MAX(ack, excluded.ack), updated_at = excluded.updated_at';
    await this.query(sql, [deviceId, userId, seq, now, now]);
  }

  /** The highest seq any device of the user has acknowledged (0 when none has). */
  async highestAck(userId: number): Promise<number> {
    const rows = await this.query<{ ack: number | string | null }>(
      'SELECT MAX(ack) AS ack FROM device_ack WHERE user_id = ?',
      [userId],
    );
    return Number(rows[0]?.ack ?? 0);
  }

  // Two rounds (two round trips on MySQL, then the commit's log flush): first the stored sends among the client
  // ids, every recipient's seq raised by what the batch gives it and read back (rows locked until commit, in
  // ascending user order so concurrent commits cannot deadlock), and the named groups' state and member version
  // (share-locked until commit: a membership change, which updates that row, waits for this commit or makes it
  // see the new version); then the rows, a correction of the seqs raised for sends that turned out to be retries
  // or stale, and COMMIT.
  private async storeAllOnce(messages: readonly NewMessage[]): Promise<StoreResult[]> {
    const firstOfKey = new Map<string, number>();
    const later = new Map<number, number>();
    messages.forEach((message, index) => {
      if (message.clientMsgId === undefined) return;
      const key = dedupKey(message.senderId, message.clientMsgId);
      const first = firstOfKey.get(key);
      if (first === undefined) firstOfKey.set(key, index);
      else later.set(index, first);
    });
    const candidates: { index: number; message: NewMessage; recipients: number[] }[] = [];
    const raised = new Map<number, number>();
    messages.forEach((message, index) => {
      if (later.has(index)) return;
      const recipients = [...new Set(message.recipients)].sort((a, b) => a - b);
      for (const userId of recipients) raised.set(userId, (raised.get(userId) ?? 0) + 1);
      candidates.push({ index, message, recipients });
    });
    const ids = await this.ids.take(candidates.length);
    const dedup = this.storedSendsStatements([...firstOfKey.keys()]);
    const seqs = this.takeSeqsStatements(raised);
    const groups = this.groupVersionsStatements(
      candidates.flatMap(({ message }) => (message.group ? [message.group.groupId] : [])),
    );
    const results = await this.db.inRounds(async (tx) => {
      const answers = await tx.round([...dedup.statements, ...seqs.statements, ...groups.statements]);
      const seqsFrom = dedup.statements.length;
      const groupsFrom = seqsFrom + seqs.statements.length;
      const stored = dedup.read(answers.slice(0, seqsFrom));
      const nextSeqs = seqs.read(answers.slice(seqsFrom, groupsFrom));
      const current = groups.read(answers.slice(groupsFrom));
      const out = new Array<StoreResult | undefined>(messages.length).fill(undefined);
      const messageRows: unknown[][] = [];
      const inboxRows: unknown[][] = [];
      const dedupRows: unknown[][] = [];
      const unused = new Map<number, number>();
      candidates.forEach(({ index, message, recipients }, position) => {
        const previous =
          message.clientMsgId === undefined
            ? undefined
            : stored.get(dedupKey(message.senderId, message.clientMsgId));
        const refusal = previous ? { duplicate: previous } : staleness(message, current);
        if (refusal) {
          out[index] = refusal;
          for (const userId of recipients) unused.set(userId, (unused.get(userId) ?? 0) + 1);
          return;
        }
        const id = ids[position] ?? 0;
        const createdAt = sqlDateTime(message.createdAt);
        const own = new Map<number, number>();
        for (const userId of recipients) {
          const seq = nextSeqs.get(userId) ?? 0;
          nextSeqs.set(userId, seq + 1);
          own.set(userId, seq);
          inboxRows.push([userId, seq, id, createdAt]);
        }
        messageRows.push([id, message.senderId, message.command, message.content, createdAt]);
        if (message.clientMsgId !== undefined)
          dedupRows.push([
            message.senderId,
            message.clientMsgId,
            id,
            own.get(message.senderId) ?? 0,
            createdAt,
          ]);
        out[index] = { messageId: id, createdAt: dateTimeMs(createdAt), seqs: own };
      });
      await tx.round(
        [
          ...insertStatements('message (id, sender_id, command, content, created_at)', messageRows),
          ...insertStatements('user_message (user_id, seq, message_id, created_at)', inboxRows),
          ...insertStatements(
            'send_dedup (sender_id, client_msg_id, message_id, seq, created_at)',
            dedupRows,
          ),
          // Seqs raised for retries and stale messages give nothing to anyone: lower them again, so no seq is skipped.
          ...[...unused].map(([userId, count]) => ({
            sql: 'UPDATE seq SET seq = seq - ? WHERE object_type = ? AND object_id = ?',
            params: [count, SeqObjectType.User, userId],
          })),
        ],
        { commit: true },
      );
      return out;
    });
    databaseStored.inc(results.filter((result) => result !== undefined && 'messageId' in result).length);
    return results.map((result, index) => {
      const first = later.get(index);
      const own =
        result ??
        (first === undefined ? undefined : asDuplicate(results[first], messages[index]?.senderId ?? 0));
      if (own === undefined) throw new Error(`no store result for message ${index}`);
      return own;
    });
  }

  /** Statements finding the stored sends among these `sender:clientMsgId` keys, and the reader of their rows. */
  private storedSendsStatements(keys: readonly string[]): RoundPart<Map<string, SendRecord>> {
    const statements = chunks(keys, BATCH_ROWS).map((batch) => ({
      sql:
        'SELECT sender_id, client_msg_id, message_id, seq, created_at FROM send_dedup ' +
        `WHERE (sender_id, client_msg_id) IN (${placeholders(batch.length, '(?, ?)')})`,
      params: batch.flatMap((key) => {
        const at = key.indexOf(':');
        return [Number(key.slice(0, at)), key.slice(at + 1)];
      }),
    }));
    const read = (answers: readonly unknown[]) => {
      const found = new Map<string, SendRecord>();
      for (const rows of answers as DedupRow[][])
        for (const row of rows)
          found.set(dedupKey(Number(row.sender_id), String(row.client_msg_id)), {
            messageId: Number(row.message_id),
            seq: Number(row.seq),
            createdAt: dateTimeMs(row.created_at),
          });
      return found;
    };
    return { statements, read };
  }

  /**
   * Statements reading these groups' state and member version, share-locked until commit on MySQL (SQLite runs
   * one transaction at a time), and the reader of their rows.
   */
  private groupVersionsStatements(groupIds: readonly number[]): RoundPart<Map<number, GroupVersionRead>> {
    const lock = this.db.dialect === 'mysql' ? ' LOCK IN SHARE MODE' : '';
    const ids = [...new Set(groupIds)].sort((a, b) => a - b);
    const statements = chunks(ids, BATCH_ROWS).map((batch) => ({
      sql: `SELECT id, status, member_version FROM chat_group WHERE id IN (${placeholders(batch.length)})${lock}`,
      params: batch,
    }));
    const read = (answers: readonly unknown[]) => {
      const found = new Map<number, GroupVersionRead>();
      for (const rows of answers as GroupStateRow[][])
        for (const row of rows)
          found.set(Number(row.id), {
            status: Number(row.status),
            memberVersion: Number(row.member_version),
          });
      return found;
    };
    return { statements, read };
  }

  /**
   * Statements raising each user's seq by its count (rows locked until commit, in ascending user order) and
   * reading it back, and the reader that returns, per user, the first of the seqs taken.
   */
  private takeSeqsStatements(counts: ReadonlyMap<number, number>): RoundPart<Map<number, number>> {
    const userIds = [...counts.keys()].sort((a, b) => a - b);
    const now = sqlDateTime(Date.now());
    const sqlite = this.db.dialect === 'sqlite';
    const statements: Statement[] = [];
    for (const batch of chunks(userIds, BATCH_ROWS)) {
      const params: unknown[] = [];
      for (const userId of batch) params.push(SeqObjectType.User, userId, counts.get(userId), now, now);
      const insert = `INSERT INTO seq (object_type, object_id, seq, created_at, updated_at) VALUES ${placeholders(batch.length, '(?, ?, ?, ?, ?)')} `;
      if (sqlite) {
        statements.push({
          sql:
            `${insert}ON CONFLICT(object_type, object_id) DO UPDATE SET seq = seq + excluded.seq, updated_at = excluded.updated_at ` +
            'RETURNING object_id, seq',
          params,
        });
      } else {
        statements.push(
          {
            sql: `${insert}ON DUPLICATE KEY UPDATE seq = seq + VALUES(seq), updated_at = VALUES(updated_at)`,
            params,
          },
          {
            sql: `SELECT object_id, seq FROM seq WHERE object_type = ? AND object_id IN (${placeholders(batch.length)}) FOR UPDATE`,
            params: [SeqObjectType.User, ...batch],
          },
        );
      }
    }
    const read = (answers: readonly unknown[]) => {
      const first = new Map<number, number>();
      // MySQL answers each batch with the upsert's header and then the rows; SQLite with the rows it returned.
      const rowSets = sqlite ? answers : answers.filter((_, position) => position % 2 === 1);
      for (const rows of rowSets as SeqRow[][])
        for (const row of rows) {
          const userId = Number(row.object_id);
          first.set(userId, Number(row.seq) - (counts.get(userId) ?? 0) + 1);
        }
      return first;
    };
    return { statements, read };
  }

  private query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.db.query<T[]>(sql, params);
  }
}
