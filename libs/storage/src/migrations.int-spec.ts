import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { createTestDatabase, tempDir, type TestDatabase } from '@gim/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { BUSINESS_ENTITIES, LOGIC_ENTITIES } from './entities';
import { applySchemaFile, latestVersion } from './schema';

// The tables as gim created them before schema versions (version 1), from libs/storage/test/schema-v1/.
async function v1Statements(name: 'business' | 'logic', dialect: 'mysql' | 'sqlite'): Promise<string[]> {
  const sql = await readFile(join(__dirname, '..', 'test', 'schema-v1', `${name}.${dialect}.sql`), 'utf8');
  return sql
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

// Rows a version-1 database holds: two phone users, their devices, acks, a message in both inboxes.
const V1_ROWS = {
  business: [
    "INSERT INTO `user` (id, phone_number, nickname) VALUES (10000, '13800000001', 'ann'), (10001, '13800000002', 'bob')",
    "INSERT INTO auth_token (device_id, user_id, token_hash, expires_at) VALUES (10000, 10000, X'00', '2030-01-01 00:00:00.000')",
  ],
  logic: [
    "INSERT INTO device (id, user_id, brand) VALUES (10000, 10000, 'acme'), (10001, 10001, 'acme'), (10002, 0, '')",
    'INSERT INTO device_ack (device_id, user_id, ack) VALUES (10000, 10000, 1)',
    "INSERT INTO message (id, sender_id, command, content) VALUES (10000, 10000, 100, X'68')",
    'INSERT INTO user_message (user_id, seq, message_id) VALUES (10000, 1, 10000), (10001, 1, 10000)',
    'INSERT INTO seq (object_type, object_id, seq) VALUES (1, 10000, 1), (1, 10001, 1)',
  ],
};

async function assertMigrated(dataSource: DataSource): Promise<void> {
  const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
  assert.deepEqual(
    upQueries.map((query) => query.query),
    [],
    'after migrating, the tables match the entities',
  );
}

async function checkBusiness(dataSource: DataSource): Promise<void> {
  await assertMigrated(dataSource);
  const users: { id: number; app_id: number; app_user_id: number | null; nickname: string }[] =
    await dataSource.query('SELECT id, app_id, app_user_id, nickname FROM `user` ORDER BY id');
  assert.deepEqual(
    users.map((user) => ({ ...user, id: Number(user.id), app_id: Number(user.app_id) })),
    [
      { id: 10000, app_id: 1, app_user_id: null, nickname: 'ann' },
      { id: 10001, app_id: 1, app_user_id: null, nickname: 'bob' },
    ],
  );
  // The new unique key holds: an app cannot have two users with one app user id; a phone may now be absent.
  await dataSource.query("INSERT INTO `user` (app_id, app_user_id, nickname) VALUES (10000, 42, 'x')");
  await assert.rejects(
    dataSource.query("INSERT INTO `user` (app_id, app_user_id, nickname) VALUES (10000, 42, 'y')"),
  );
  const versions: { version: number }[] = await dataSource.query(
    "SELECT version FROM schema_version WHERE name = 'business'",
  );
  assert.deepEqual(
    versions.map((row) => Number(row.version)),
    [latestVersion('business')],
  );
}

async function checkLogic(dataSource: DataSource): Promise<void> {
  await assertMigrated(dataSource);
  const devices: { id: number; user_id: number; app_device_id: number | null }[] = await dataSource.query(
    'SELECT id, user_id, app_device_id FROM device ORDER BY id',
  );
  assert.deepEqual(
    devices.map((device) => [Number(device.id), Number(device.user_id), device.app_device_id]),
    [
      [10000, 10000, null],
      [10001, 10001, null],
      [10002, 0, null],
    ],
  );
  const inbox: { n: number }[] = await dataSource.query('SELECT COUNT(*) AS n FROM user_message');
  assert.equal(Number(inbox[0]?.n), 2);
  const versions: { version: number }[] = await dataSource.query(
    "SELECT version FROM schema_version WHERE name = 'logic'",
  );
  assert.deepEqual(
    versions.map((row) => Number(row.version)),
    [latestVersion('logic')],
  );
}

void describe('migrating a version-1 database holding data', () => {
  const databases: TestDatabase[] = [];
  const dataSources: DataSource[] = [];
  after(async () => {
    for (const dataSource of dataSources) await dataSource.destroy();
    for (const database of databases) await database.drop();
  });

  for (const [name, entities, check] of [
    ['business', BUSINESS_ENTITIES, checkBusiness],
    ['logic', LOGIC_ENTITIES, checkLogic],
  ] as const) {
    void it(`MariaDB: sql/migrations/${name} keeps every row and ends at the entities' schema`, async () => {
      const database = await createTestDatabase(`migrate_${name}`);
      databases.push(database);
      const dataSource = await createDataSource(database.url, entities, { poolSize: 2 });
      dataSources.push(dataSource);
      for (const statement of await v1Statements(name, 'mysql')) await dataSource.query(statement);
      for (const statement of V1_ROWS[name]) await dataSource.query(statement);
      await applySchemaFile(dataSource, name);
      await check(dataSource);
      await applySchemaFile(dataSource, name);
      await assertMigrated(dataSource);
    });

    void it(`SQLite: sql/migrations/${name} keeps every row and ends at the entities' schema`, async () => {
      const dir = await tempDir('gim-migrate');
      try {
        const file = join(dir.path, `${name}.sqlite`);
        const raw = new BetterSqlite3(file);
        for (const statement of await v1Statements(name, 'sqlite')) raw.exec(statement);
        for (const statement of V1_ROWS[name]) raw.exec(statement.replaceAll('`', '"'));
        raw.close();
        const dataSource = await createDataSource(`sqlite:${file}`, entities, { schema: name });
        try {
          await check(dataSource);
        } finally {
          await dataSource.destroy();
        }
        const reopened = await createDataSource(`sqlite:${file}`, entities, { schema: name });
        await reopened.destroy();
      } finally {
        await dir.remove();
      }
    });
  }

  void it('refuses a database whose schema is newer than this gim', async () => {
    const dir = await tempDir('gim-migrate');
    try {
      const file = join(dir.path, 'logic.sqlite');
      const first = await createDataSource(`sqlite:${file}`, LOGIC_ENTITIES, { schema: 'logic' });
      await first.query("UPDATE schema_version SET version = 999 WHERE name = 'logic'");
      await first.destroy();
      await assert.rejects(
        createDataSource(`sqlite:${file}`, LOGIC_ENTITIES, { schema: 'logic' }),
        /schema version 999, newer than this gim knows/,
      );
    } finally {
      await dir.remove();
    }
  });
});

void describe('migrating a version-2 business database holding moments', () => {
  // A moment as version 2 stored it: its files as URLs; version 3 keeps their names.
  const V2_MOMENT =
    'INSERT INTO moment (id, app_id, user_id, files) VALUES ' +
    `(7, 1, 10000, '["http://files.example/file/a1b2.png","https://cdn.example/gim/file/c3d4.jpg"]'), (8, 1, 10000, '[]')`;
  const expectNames = async (dataSource: DataSource) => {
    const rows: { id: number | string; file_names: string }[] = await dataSource.query(
      'SELECT id, file_names FROM moment ORDER BY id',
    );
    assert.deepEqual(
      rows.map((row) => [Number(row.id), JSON.parse(row.file_names) as string[]]),
      [
        [7, ['a1b2.png', 'c3d4.jpg']],
        [8, []],
      ],
    );
  };

  void it('MariaDB: keeps each moment, its files as their names, and drops the URLs', async () => {
    const database = await createTestDatabase('migrate_moments');
    const dataSource = await createDataSource(database.url, BUSINESS_ENTITIES, { poolSize: 2 });
    try {
      await applySchemaFile(dataSource, 'business');
      await dataSource.query("ALTER TABLE moment ADD COLUMN files VARCHAR(4096) NOT NULL DEFAULT '[]'");
      await dataSource.query('ALTER TABLE moment DROP COLUMN file_names');
      await dataSource.query("UPDATE schema_version SET version = 2 WHERE name = 'business'");
      await dataSource.query(V2_MOMENT);
      await applySchemaFile(dataSource, 'business');
      await expectNames(dataSource);
      const urls: unknown[] = await dataSource.query("SHOW COLUMNS FROM moment LIKE 'files'");
      assert.equal(urls.length, 0);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });

  void it('SQLite: keeps each moment, its files as their names, and drops the URLs', async () => {
    const dir = await tempDir('gim-migrate');
    try {
      const file = join(dir.path, 'business.sqlite');
      const first = await createDataSource(`sqlite:${file}`, BUSINESS_ENTITIES, { schema: 'business' });
      await first.query(`ALTER TABLE moment ADD COLUMN files varchar NOT NULL DEFAULT ('[]')`);
      await first.query('ALTER TABLE moment DROP COLUMN file_names');
      await first.query("UPDATE schema_version SET version = 2 WHERE name = 'business'");
      await first.query(V2_MOMENT);
      await first.destroy();
      const reopened = await createDataSource(`sqlite:${file}`, BUSINESS_ENTITIES, { schema: 'business' });
      try {
        await expectNames(reopened);
        const columns: { name: string }[] = await reopened.query('PRAGMA table_info(moment)');
        assert.ok(!columns.some((column) => column.name === 'files'));
      } finally {
        await reopened.destroy();
      }
    } finally {
      await dir.remove();
    }
  });
});
