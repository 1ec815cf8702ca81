import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { createTestDatabase, freePort, tempDir, testMysqlUrl, uniquePrefix } from './index';

async function databaseExists(name: string): Promise<boolean> {
  const server = new URL(testMysqlUrl());
  const connection = await createConnection({
    host: server.hostname,
    port: Number(server.port || 3306),
    user: decodeURIComponent(server.username),
    password: decodeURIComponent(server.password),
  });
  try {
    const [rows] = await connection.query('SHOW DATABASES LIKE ?', [name]);
    return Array.isArray(rows) && rows.length === 1;
  } finally {
    await connection.end();
  }
}

void describe('createTestDatabase', () => {
  void it('creates a uniquely named utf8mb4 database and drops it', async () => {
    const first = await createTestDatabase('Storage Suite!');
    const second = await createTestDatabase('Storage Suite!');
    try {
      assert.match(first.name, /^gim_t_storage_suite_[0-9a-f]{8}$/);
      assert.notEqual(first.name, second.name);
      assert.ok(first.url.endsWith(`/${first.name}`));
      assert.ok(await databaseExists(first.name));
    } finally {
      await first.drop();
      await second.drop();
    }
    assert.equal(await databaseExists(first.name), false);
    await first.drop();
  });

  void it('keeps long labels within the 64-character limit', async () => {
    const database = await createTestDatabase('x'.repeat(200));
    try {
      assert.ok(database.name.length <= 64, database.name);
    } finally {
      await database.drop();
    }
  });
});

void describe('tempDir', () => {
  void it('creates a directory and removes it with its contents', async () => {
    const dir = await tempDir('testing/lib');
    await writeFile(join(dir.path, 'file.txt'), 'x');
    assert.ok(existsSync(join(dir.path, 'file.txt')));
    await dir.remove();
    assert.equal(existsSync(dir.path), false);
  });
});

void describe('uniquePrefix', () => {
  void it('gives a fresh Redis key prefix each call', () => {
    const first = uniquePrefix('bus');
    assert.match(first, /^gimt:bus:[0-9a-f]{8}:$/);
    assert.notEqual(first, uniquePrefix('bus'));
  });
});

void describe('freePort', () => {
  void it('returns a port that can be listened on', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
