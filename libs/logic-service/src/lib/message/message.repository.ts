import {
  chunks,
  Database,
  dateTimeMs,
  isDuplicateKey,
  placeholders,
  sqlDateTime,
  Transaction,
} from '@gim/storage';
import { InboxMessage, NewMessage, SendRecord, SEQ_OBJECT_USER, StoredMessage } from './message';

/** Rows per multi-row statement when a message goes to many users. */
const BATCH_ROWS = 500;

interface SeqRow {
  object_id: number | string;
  seq: number | string;
}

interface InboxRow {
  seq: number | string;
  message_id: number | string;
  command: number | string;
  content: Buffer;
  created_at: unknown;
}

/**
 * Messages, inboxes and per-user sequences. A store is one transaction: the message row once, each
 * recipient's next seq (from the `seq` table, so values survive any cache loss and are never reused),
 * one inbox row per recipient, and the idempotency record of the send.
 */
export class MessageRepository {
  constructor(private readonly db: Database) {}

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

  /** Stores a message for its recipients; with a clientMsgId already used, returns that send's record instead. */
  async store(message: NewMessage): Promise<StoredMessage | { duplicate: SendRecord }> {
    try {
      return await this.db.transaction((tx) => this.storeIn(tx, message));
    } catch (error) {
      if (message.clientMsgId !== undefined && isDuplicateKey(error)) {
        const first = await this.findSend(message.senderId, message.clientMsgId);
        if (first) return { duplicate: first };
      }
      throw error;
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
      [SEQ_OBJECT_USER, userId],
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

  private async storeIn(tx: Transaction, message: NewMessage): Promise<StoredMessage> {
    const createdAt = sqlDateTime(message.createdAt);
    const messageId = await this.insertMessage(tx, message, createdAt);
    const recipients = [...new Set(message.recipients)].sort((a, b) => a - b);
    const seqs = new Map<number, number>();
    for (const batch of chunks(recipients, BATCH_ROWS)) {
      for (const [userId, seq] of await this.nextSeqs(tx, batch)) seqs.set(userId, seq);
      const values: unknown[] = [];
      for (const userId of batch) values.push(userId, seqs.get(userId), messageId, createdAt);
      await tx.query(
        `INSERT INTO user_message (user_id, seq, message_id, created_at) VALUES ${placeholders(batch.length, '(?, ?, ?, ?)')}`,
        values,
      );
    }
    if (message.clientMsgId !== undefined) {
      await tx.query(
        'INSERT INTO send_dedup (sender_id, client_msg_id, message_id, seq, created_at) VALUES (?, ?, ?, ?, ?)',
        [message.senderId, message.clientMsgId, messageId, seqs.get(message.senderId) ?? 0, createdAt],
      );
    }
    return { messageId, createdAt: dateTimeMs(createdAt), seqs };
  }

  private async insertMessage(tx: Transaction, message: NewMessage, createdAt: string): Promise<number> {
    const params = [message.senderId, message.command, message.content, createdAt];
    if (this.db.dialect === 'sqlite') {
      const [row] = (await tx.query(
        'INSERT INTO message (sender_id, command, content, created_at) VALUES (?, ?, ?, ?) RETURNING id',
        params,
      )) as { id: number }[];
      return Number(row?.id);
    }
    const result = (await tx.query(
      'INSERT INTO message (sender_id, command, content, created_at) VALUES (?, ?, ?, ?)',
      params,
    )) as { insertId: number };
    return Number(result.insertId);
  }

  /** Increments each user's seq (rows locked until commit, in ascending user order) and returns the new values. */
  private async nextSeqs(tx: Transaction, userIds: number[]): Promise<Map<number, number>> {
    const now = sqlDateTime(Date.now());
    const values: unknown[] = [];
    for (const userId of userIds) values.push(SEQ_OBJECT_USER, userId, now, now);
    const tuples = placeholders(userIds.length, '(?, ?, 1, ?, ?)');
    let rows: SeqRow[];
    if (this.db.dialect === 'sqlite') {
      rows = (await tx.query(
        `INSERT INTO seq (object_type, object_id, seq, created_at, updated_at) VALUES ${tuples} ` +
          'ON CONFLICT(object_type, object_id) DO UPDATE SET seq = seq + 1, updated_at = excluded.updated_at RETURNING object_id, seq',
        values,
      )) as SeqRow[];
    } else {
      await tx.query(
        `INSERT INTO seq (object_type, object_id, seq, created_at, updated_at) VALUES ${tuples} ` +
          'ON DUPLICATE KEY UPDATE seq = seq + 1, updated_at = VALUES(updated_at)',
        values,
      );
      rows = (await tx.query(
        `SELECT object_id, seq FROM seq WHERE object_type = ? AND object_id IN (${placeholders(userIds.length)}) FOR UPDATE`,
        [SEQ_OBJECT_USER, ...userIds],
      )) as SeqRow[];
    }
    return new Map(rows.map((row) => [Number(row.object_id), Number(row.seq)]));
  }

  private query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.db.query<T[]>(sql, params);
  }
}
