import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { DiskFileStore } from './disk-file-store';
import { FileError, FileErrorCode } from './file-errors';

const NAME = `${'ab'.repeat(16)}.txt`;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

void describe('DiskFileStore', () => {
  let dir: string;
  let store: DiskFileStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gim-disk-store-'));
    store = new DiskFileStore(dir, 0);
    await store.open();
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('stores a stream under its name, in a folder of its first two digits, and reads it back whole or in part', async () => {
    await store.put(NAME, Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    assert.deepEqual(await filesUnder(dir), [join(dir, 'ab', NAME)]);
    assert.deepEqual(await store.stat(NAME), { size: 11 });
    assert.equal(await text((await store.get(NAME))!), 'hello world');
    assert.equal(await text((await store.get(NAME, { start: 6, end: 8 }))!), 'wor');
  });

  void it('leaves nothing behind when the stream fails', async () => {
    const other = `${'cd'.repeat(16)}.txt`;
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 0x61));
        this.destroy(new FileError(FileErrorCode.TooLarge));
      },
    });
    await assert.rejects(store.put(other, failing), FileError);
    assert.equal(await store.stat(other), undefined);
    assert.deepEqual(await filesUnder(dir), [join(dir, 'ab', NAME)]);
  });

  void it('deletes, and says when there was nothing to delete', async () => {
    assert.equal(await store.delete(NAME), true);
    assert.equal(await store.delete(NAME), false);
    assert.equal(await store.get(NAME), undefined);
    assert.equal(await store.stat(NAME), undefined);
  });

  void it('never builds a path from anything but a stored name', async () => {
    for (const name of ['../escape.txt', '/etc/passwd', `${'ab'.repeat(16)}.txt/../x`]) {
      await assert.rejects(store.get(name), /not a stored file name/);
      await assert.rejects(store.delete(name), /not a stored file name/);
      await assert.rejects(store.put(name, Readable.from([])), /not a stored file name/);
    }
  });

  void it('removes temporary files a crashed upload left an hour ago, and keeps recent ones', async () => {
    const stale = join(dir, '.tmp', 'stale.part');
    const recent = join(dir, '.tmp', 'recent.part');
    await writeFile(stale, 'x');
    await writeFile(recent, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    await new DiskFileStore(dir, 0).open();
    assert.deepEqual(await readdir(join(dir, '.tmp')), ['recent.part']);
    await rm(recent);
  });

  void it('refuses (507) what would eat into the reserve of the volume', async () => {
    await store.ensureRoom(1);
    await assert.rejects(
      new DiskFileStore(dir, Number.MAX_SAFE_INTEGER).ensureRoom(1),
      (error: unknown) => error instanceof FileError && error.code === FileErrorCode.StorageFull,
    );
  });
});
