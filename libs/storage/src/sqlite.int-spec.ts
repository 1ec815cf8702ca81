import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir, type TempDir } from '@gim/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { BUSINESS_ENTITIES, LOGIC_ENTITIES } from './entities';
import { DeviceEntity } from './logic/device.entity';
import { MessageEntity } from './logic/message.entity';
import { UserMessageEntity } from './logic/user-message.entity';

const ALL_ENTITIES = [...BUSINESS_ENTITIES, ...LOGIC_ENTITIES];
const content = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte));
const bigUserId = 2 ** 40 + 3;

void describe('SQLite data source', () => {
  let dir: TempDir;
  let url: string;
  let file: string;
  let dataSource: DataSource;

  before(async () => {
    dir = await tempDir('storage-sqlite');
    file = join(dir.path, 'nested', 'gim.db');
    url = `sqlite:${file}`;
    dataSource = await createDataSource(url, ALL_ENTITIES);
  });

  after(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await dir?.remove();
  });

  void it('creates the file, its folder and every table', async () => {
    assert.ok(existsSync(file));
    const rows: { name: string }[] = await dataSource.query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    assert.deepEqual(
      rows.map((row) => row.name),
      [
        'app',
        'app_credential',
        'app_key',
        'auth_token',
        'chat_group',
        'device',
        'device_ack',
        'friend',
        'group_member',
        'message',
        'moment',
        'moment_comment',
        'moment_like',
        'schema_version',
        'send_dedup',
        'seq',
        'user',
        'user_block',
        'user_message',
      ],
    );
  });

  void it('sets WAL journaling, synchronous NORMAL and a 5 s busy timeout', async () => {
    assert.deepEqual(await dataSource.query('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
    assert.deepEqual(await dataSource.query('PRAGMA synchronous'), [{ synchronous: 1 }]);
    assert.deepEqual(await dataSource.query('PRAGMA busy_timeout'), [{ timeout: 5000 }]);
  });

  void it('stores binary content and reads ids and seqs back as numbers', async () => {
    const message = await dataSource
      .getRepository(MessageEntity)
      .save({ senderId: 0, command: 100, content });
    assert.equal(message.id, 10000);
    await dataSource
      .getRepository(UserMessageEntity)
      .insert({ userId: bigUserId, seq: 1, messageId: message.id });

    const stored = await dataSource.getRepository(MessageEntity).findOneByOrFail({ id: message.id });
    assert.equal(typeof stored.id, 'number');
    assert.equal(stored.senderId, 0);
    assert.equal(stored.command, 100);
    assert.ok(Buffer.isBuffer(stored.content));
    assert.ok(stored.content.equals(content));
    assert.ok(
      Math.abs(stored.createdAt.getTime() - Date.now()) < 60_000,
      `created_at ${stored.createdAt.toISOString()}`,
    );

    const inbox = await dataSource.getRepository(UserMessageEntity).findBy({ userId: bigUserId });
    assert.deepEqual(
      inbox.map(({ userId, seq, messageId }) => ({ userId, seq, messageId })),
      [{ userId: bigUserId, seq: 1, messageId: 10000 }],
    );
  });

  void it('moves updated_at forward on update', async () => {
    const repository = dataSource.getRepository(DeviceEntity);
    const { id } = await repository.save({ brand: 'acme' });
    const created = await repository.findOneByOrFail({ id });
    await sleep(20);
    await repository.update({ id }, { brand: 'other' });
    const updated = await repository.findOneByOrFail({ id });
    assert.equal(updated.brand, 'other');
    assert.ok(
      updated.updatedAt.getTime() > created.updatedAt.getTime(),
      `updated_at ${updated.updatedAt.toISOString()} not after ${created.updatedAt.toISOString()}`,
    );
    assert.equal(updated.createdAt.getTime(), created.createdAt.getTime());
  });

  void it('keeps the data and the schema when the file is reopened', async () => {
    await dataSource.destroy();
    dataSource = await createDataSource(url, ALL_ENTITIES);
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    assert.deepEqual(
      upQueries.map((query) => query.query),
      [],
    );
    const stored = await dataSource.getRepository(MessageEntity).findOneByOrFail({ id: 10000 });
    assert.ok(stored.content.equals(content));
    const next = await dataSource.getRepository(MessageEntity).save({ command: 1, content: Buffer.alloc(0) });
    assert.equal(next.id, 10001);
    assert.equal(await dataSource.getRepository(UserMessageEntity).countBy({ userId: bigUserId }), 1);
  });
});

void describe('in-memory SQLite data source', () => {
  void it('opens with every table and ids from 10000', async () => {
    const dataSource = await createDataSource('sqlite::memory:', LOGIC_ENTITIES);
    try {
      const device = await dataSource.getRepository(DeviceEntity).save({});
      assert.equal(device.id, 10000);
    } finally {
      await dataSource.destroy();
    }
  });
});
