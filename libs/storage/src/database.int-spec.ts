import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, tempDir, type TempDir, type TestDatabase } from '@gim/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { applySchemaFile } from './schema';
import { Database } from './database';
import { LOGIC_ENTITIES } from './entities';
import { isDuplicateKey } from './sql';

interface Engine {
  name: string;
  open(): Promise<DataSource>;
  cleanup(): Promise<void>;
}

let database: TestDatabase | undefined;
let dir: TempDir | undefined;

// One pooled connection, so a transaction left open on it would show up in the next test.
const mariadb = (multiStatements: boolean): Engine => ({
  name: `MariaDB (${multiStatements ? 'a round per round trip' : 'a statement per round trip'})`,
  async open() {
    database = await createTestDatabase(multiStatements ? 'rounds_multi' : 'rounds_single');
    const ds = await createDataSource(database.url, LOGIC_ENTITIES, { poolSize: 1, multiStatements });
    await applySchemaFile(ds, 'logic');
    return ds;
  },
  async cleanup() {
    await database?.drop();
  },
});

const engines: Engine[] = [
  mariadb(true),
  mariadb(false),
  {
    name: 'SQLite',
    async open() {
      dir = await tempDir('rounds');
      return createDataSource(`sqlite:${dir.path}/logic.sqlite`, LOGIC_ENTITIES);
    },
    async cleanup() {
      await dir?.remove();
    },
  },
];

const insert = (objectId: number, seq: number) => ({
  sql: "INSERT INTO seq (object_type, object_id, seq, created_at, updated_at) VALUES (9, ?, ?, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')",
  params: [objectId, seq],
});
const select = (objectId: number) => ({
  sql: 'SELECT seq FROM seq WHERE object_type = 9 AND object_id = ?',
  params: [objectId],
});

for (const engine of engines) {
  void describe(`Database.inRounds on ${engine.name}`, () => {
    let ds: DataSource;
    let db: Database;

    before(async () => {
      ds = await engine.open();
      db = Database.of(ds);
    });

    after(async () => {
      await ds?.destroy();
      await engine.cleanup();
    });

    const seqOf = async (objectId: number): Promise<number | undefined> => {
      const rows = await db.query<{ seq: number | string }[]>(select(objectId).sql, select(objectId).params);
      return rows[0] === undefined ? undefined : Number(rows[0].seq);
    };

    void it('answers each statement of a round in order and commits with the last round', async () => {
      const answers = await db.inRounds(async (tx) => {
        const first = await tx.round([insert(1, 10), select(1), insert(2, 20)]);
        const second = await tx.round([select(2), select(1)], { commit: true });
        return [first, second];
      });
      const [first, second] = answers;
      assert.equal(first?.length, 3);
      assert.deepEqual(
        (first?.[1] as { seq: number }[]).map((row) => Number(row.seq)),
        [10],
      );
      assert.deepEqual(
        (second as { seq: number }[][]).map((rows) => rows.map((row) => Number(row.seq))),
        [[20], [10]],
      );
      assert.equal(await seqOf(1), 10);
      assert.equal(await seqOf(2), 20);
    });

    void it('commits after the work when no round said commit', async () => {
      await db.inRounds(async (tx) => {
        await tx.round([insert(3, 30)]);
      });
      assert.equal(await seqOf(3), 30);
    });

    void it('rolls back every round when a statement fails, and leaves the connection clean', async () => {
      await assert.rejects(
        db.inRounds(async (tx) => {
          await tx.round([insert(4, 40)]);
          // The second statement collides with row 1: the round stops there and nothing of the transaction stays.
          await tx.round([insert(5, 50), insert(1, 11), insert(6, 60)], { commit: true });
        }),
        (error: unknown) => isDuplicateKey(error),
      );
      assert.equal(await seqOf(4), undefined);
      assert.equal(await seqOf(5), undefined);
      assert.equal(await seqOf(6), undefined);
      assert.equal(await seqOf(1), 10);
      // The same (only) connection runs the next transaction on its own: an open one would hold row 7 back.
      await db.inRounds(async (tx) => tx.round([insert(7, 70)], { commit: true }));
      await ds.query('SELECT 1');
      assert.equal(await seqOf(7), 70);
    });

    void it('rolls back when the work throws between rounds', async () => {
      await assert.rejects(
        db.inRounds(async (tx) => {
          await tx.round([insert(8, 80)]);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.equal(await seqOf(8), undefined);
    });

    void it('refuses a round after the commit', async () => {
      await assert.rejects(
        db.inRounds(async (tx) => {
          await tx.round([insert(9, 90)], { commit: true });
          await tx.round([select(9)]);
        }),
        /already committed/,
      );
    });
  });
}

void describe('Database.query on MariaDB', () => {
  let ds: DataSource;
  let db: Database;
  let own: TestDatabase;

  before(async () => {
    own = await createTestDatabase('query_retry');
    ds = await createDataSource(own.url, LOGIC_ENTITIES, { poolSize: 2 });
    await applySchemaFile(ds, 'logic');
    db = Database.of(ds);
  });

  after(async () => {
    await ds.destroy();
    await own.drop();
  });

  void it('answers how many rows a change changed', async () => {
    await db.query(insert(900, 5).sql, insert(900, 5).params);
    await db.query(insert(901, 5).sql, insert(901, 5).params);
    const raise = 'UPDATE seq SET seq = seq + 1 WHERE object_type = 9 AND object_id IN (?, ?)';
    assert.equal(await db.change(raise, [900, 901]), 2);
    assert.equal(await db.change(raise, [902, 903]), 0);
  });

  void it('runs a statement again when it lost a deadlock, as its own transaction was rolled back whole', async () => {
    for (let id = 1; id <= 40; id++) await ds.query(insert(id, 0).sql, insert(id, 0).params);
    const other = ds.createQueryRunner();
    await other.connect();
    try {
      // The other transaction holds row 2 and has changed many rows, so the lone statement is the lighter one and
      // the one the database picks to roll back when the two deadlock.
      await other.startTransaction();
      await other.query('UPDATE seq SET seq = seq + 1 WHERE object_type = 9 AND object_id >= 2');
      const statement = db.query(
        'UPDATE seq SET seq = seq + 10 WHERE object_type = 9 AND object_id IN (1, 2)',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.query('UPDATE seq SET seq = seq + 1 WHERE object_type = 9 AND object_id = 1');
      await other.commitTransaction();
      await statement;
    } finally {
      await other.release();
    }
    const rows: { object_id: number | string; seq: number | string }[] = await ds.query(
      'SELECT object_id, seq FROM seq WHERE object_type = 9 AND object_id IN (1, 2) ORDER BY object_id',
    );
    assert.deepEqual(
      rows.map((row) => Number(row.seq)),
      [11, 11],
    );
  });
});
