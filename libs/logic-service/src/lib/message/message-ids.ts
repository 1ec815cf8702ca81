import { Database, SeqObjectType, sqlDateTime } from '@gim/storage';

/** Ids taken from the counter at a time; the unused rest of a block is lost when the process stops. */
const BLOCK = 1_000;
/** Message ids start above this, as the tables' AUTO_INCREMENT = 10000 does. */
const BEFORE_FIRST_ID = 9_999;

/**
 * Message ids for multi-row inserts, taken in blocks from a counter row of the `seq` table (object type 0), so a
 * group commit knows its ids before it inserts and concurrent logic processes never contend on one row per message.
 * Ids are unique and increase within a process; across processes they interleave by block.
 */
export class MessageIds {
  private next = 0;
  private end = 0;
  private refill: Promise<void> | undefined;

  constructor(private readonly db: Database) {}

  /** `count` unused ids, ascending. */
  async take(count: number): Promise<number[]> {
    const ids: number[] = [];
    while (ids.length < count) {
      if (this.next >= this.end) {
        this.refill ??= this.reserve(Math.max(BLOCK, count - ids.length)).finally(
          () => (this.refill = undefined),
        );
        await this.refill;
        continue;
      }
      ids.push(this.next++);
    }
    return ids;
  }

  // Moves the counter up by `size` (seeding it above every existing message id the first time) and keeps the range.
  private async reserve(size: number): Promise<void> {
    const now = sqlDateTime(Date.now());
    // Two processes may seed at once: the second insert does nothing.
    const seed =
      'INSERT INTO seq (object_type, object_id, seq, created_at, updated_at) ' +
      `SELECT ?, 0, COALESCE(MAX(id), ${BEFORE_FIRST_ID}), ?, ? FROM message ` +
      (this.db.dialect === 'mysql'
        ? 'ON DUPLICATE KEY UPDATE seq = seq'
        : 'WHERE true ON CONFLICT DO NOTHING');
    const last = await this.db.transaction(async (tx) => {
      const [existing] = await tx.query<{ seq: number | string }[]>(
        `SELECT seq FROM seq WHERE object_type = ? AND object_id = 0${this.db.dialect === 'mysql' ? ' FOR UPDATE' : ''}`,
        [SeqObjectType.MessageIds],
      );
      if (existing === undefined) await tx.query(seed, [SeqObjectType.MessageIds, now, now]);
      await tx.query('UPDATE seq SET seq = seq + ?, updated_at = ? WHERE object_type = ? AND object_id = 0', [
        size,
        now,
        SeqObjectType.MessageIds,
      ]);
      const [row] = await tx.query<{ seq: number | string }[]>(
        'SELECT seq FROM seq WHERE object_type = ? AND object_id = 0',
        [SeqObjectType.MessageIds],
      );
      return Number(row?.seq);
    });
    this.next = last - size + 1;
    this.end = last + 1;
  }
}
