import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '@gim/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { applySchemaFile, type SchemaName } from './schema';
import { BUSINESS_ENTITIES, FILE_ENTITIES, LOGIC_ENTITIES } from './entities';
import { DeviceEntity } from './logic/device.entity';
import { SeqEntity, SeqObjectType } from './logic/seq.entity';

const schemas: readonly {
  name: SchemaName;
  entities: typeof BUSINESS_ENTITIES;
  insertOne: string;
  table: string;
}[] = [
  {
    name: 'business',
    entities: BUSINESS_ENTITIES,
    insertOne: "INSERT INTO `user` (phone_number) VALUES ('13800000000')",
    table: 'user',
  },
  { name: 'logic', entities: LOGIC_ENTITIES, insertOne: 'INSERT INTO device () VALUES ()', table: 'device' },
  {
    name: 'file',
    entities: FILE_ENTITIES,
    insertOne:
      "INSERT INTO file (name, app_id, user_id, size, content_type, sha256) VALUES ('a.png', 1, 10000, 1, 'image/png', UNHEX(REPEAT('00', 32)))",
    table: 'file',
  },
];

for (const schema of schemas) {
  void describe(`sql/${schema.name}.sql on MariaDB`, () => {
    let database: TestDatabase;
    let dataSource: DataSource;

    before(async () => {
      database = await createTestDatabase(`schema_${schema.name}`);
      dataSource = await createDataSource(database.url, schema.entities, { poolSize: 2 });
      await applySchemaFile(dataSource, schema.name);
    });

    after(async () => {
      await dataSource?.destroy();
      await database?.drop();
    });

    void it('matches the entities exactly (TypeORM schema diff is empty)', async () => {
      const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
      assert.deepEqual(
        upQueries.map((query) => query.query),
        [],
        `entities and sql/${schema.name}.sql differ:\n${upQueries.map((query) => query.query).join('\n')}`,
      );
    });

    void it('starts auto-increment ids at 10000', async () => {
      await dataSource.query(schema.insertOne);
      const rows: { id: number }[] = await dataSource.query(`SELECT id FROM \`${schema.table}\``);
      assert.deepEqual(rows, [{ id: 10000 }]);
    });

    void it('can be applied again, keeping the rows and the schema', async () => {
      await applySchemaFile(dataSource, schema.name);
      const rows: { id: number }[] = await dataSource.query(`SELECT id FROM \`${schema.table}\``);
      assert.deepEqual(rows, [{ id: 10000 }]);
      const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
      assert.equal(upQueries.length, 0);
    });
  });
}

void describe('logic tables on MariaDB', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  before(async () => {
    database = await createTestDatabase('logic_tables');
    dataSource = await createDataSource(database.url, LOGIC_ENTITIES, { poolSize: 2 });
    await applySchemaFile(dataSource, 'logic');
  });

  after(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  void it('hash-partitions message and user_message into 16 partitions', async () => {
    const rows: { table: string; partitions: number | string }[] = await dataSource.query(
      `SELECT TABLE_NAME AS \`table\`, COUNT(*) AS partitions FROM information_schema.PARTITIONS
       WHERE TABLE_SCHEMA = ? AND PARTITION_METHOD = 'HASH' GROUP BY TABLE_NAME ORDER BY TABLE_NAME`,
      [database.name],
    );
    assert.deepEqual(
      rows.map((row) => [row.table, Number(row.partitions)]),
      [
        ['message', 16],
        ['user_message', 16],
      ],
    );
  });

  void it('reads BIGINT UNSIGNED values past 2^32 back as numbers', async () => {
    const big = 2 ** 40;
    const repository = dataSource.getRepository(SeqEntity);
    await repository.insert({ objectType: SeqObjectType.User, objectId: big + 1, seq: big });
    const row = await repository.findOneByOrFail({ objectType: SeqObjectType.User, objectId: big + 1 });
    assert.equal(row.seq, big);
    assert.equal(row.objectId, big + 1);
    assert.equal(typeof row.seq, 'number');
    assert.ok(row.createdAt instanceof Date);
  });

  void it('runs every pooled session in UTC', async () => {
    const sessions = await Promise.all(
      [1, 2, 3].map(() => dataSource.query('SELECT @@session.time_zone AS tz, SLEEP(0.05) AS pause')),
    );
    assert.deepEqual(
      sessions.map((rows: { tz: string }[]) => rows[0]?.tz),
      ['+00:00', '+00:00', '+00:00'],
    );
  });

  void it('stores created_at in UTC', async () => {
    await dataSource.getRepository(SeqEntity).insert({ objectType: SeqObjectType.User, objectId: 7 });
    const row = await dataSource
      .getRepository(SeqEntity)
      .findOneByOrFail({ objectType: SeqObjectType.User, objectId: 7 });
    assert.ok(
      Math.abs(row.createdAt.getTime() - Date.now()) < 60_000,
      `created_at ${row.createdAt.toISOString()} is not now`,
    );
  });

  void it('moves updated_at forward with millisecond precision on update', async () => {
    const repository = dataSource.getRepository(DeviceEntity);
    const { id } = await repository.save({ brand: 'acme' });
    const created = await repository.findOneByOrFail({ id });
    await sleep(20);
    await repository.update({ id }, { brand: 'other' });
    const updated = await repository.findOneByOrFail({ id });
    assert.ok(
      updated.updatedAt.getTime() > created.updatedAt.getTime(),
      `updated_at ${updated.updatedAt.toISOString()} not after ${created.updatedAt.toISOString()}`,
    );
    assert.equal(updated.createdAt.getTime(), created.createdAt.getTime());
  });
});
