import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { applySchemaFile, createDataSource, Database, LOGIC_ENTITIES } from '@gim/storage';
import { createTestDatabase, tempDir } from '@gim/testing';
import { MessageRepository } from '../message/message.repository';
import { Device } from './device';
import { DeviceRepository } from './device.repository';

const engines: { name: string; open(): Promise<{ ds: DataSource; cleanup(): Promise<void> }> }[] = [
  {
    name: 'MariaDB',
    async open() {
      const database = await createTestDatabase('devicerepo');
      const ds = await createDataSource(database.url, LOGIC_ENTITIES);
      await applySchemaFile(ds, 'logic');
      return { ds, cleanup: () => database.drop() };
    },
  },
  {
    name: 'SQLite',
    async open() {
      const dir = await tempDir('devicerepo');
      const ds = await createDataSource(`sqlite:${dir.path}/logic.sqlite`, LOGIC_ENTITIES);
      return { ds, cleanup: () => dir.remove() };
    },
  },
];

const device = (userId: number, id = 0, brand = 'acme'): Device => ({
  id,
  userId,
  type: 1,
  brand,
  model: 'x1',
  systemVersion: '14',
  sdkVersion: '1.0',
  branchPushId: '',
});

for (const engine of engines) {
  void describe(`DeviceRepository on ${engine.name}`, () => {
    let ds: DataSource;
    let cleanup: () => Promise<void>;
    let devices: DeviceRepository;

    before(async () => {
      ({ ds, cleanup } = await engine.open());
      devices = new DeviceRepository(Database.of(ds));
    });

    after(async () => {
      await ds.destroy();
      await cleanup();
    });

    void it('registers a new device and updates it for its own user', async () => {
      const id = await devices.save(device(1));
      assert.ok(id >= 10000);
      assert.equal(await devices.save(device(1, id, 'renamed')), id);
      assert.deepEqual(await devices.find(id), { ...device(1, id, 'renamed') });
    });

    void it("never gives another user's device to the caller: naming it registers a new device", async () => {
      const victim = await devices.save(device(2, 0, 'victim-phone'));
      const attacker = await devices.save(device(3, victim, 'attacker-phone'));
      assert.notEqual(attacker, victim);
      assert.deepEqual(await devices.find(victim), device(2, victim, 'victim-phone'), 'untouched');
      assert.equal((await devices.find(attacker))?.userId, 3);
    });

    void it('registers a new device for an id that does not exist', async () => {
      const id = await devices.save(device(4, 9_999_999));
      assert.notEqual(id, 9_999_999);
      assert.equal((await devices.find(id))?.userId, 4);
    });

    void it('keeps every device row while concurrent sends commit and retried sends roll back', async () => {
      const messages = new MessageRepository(Database.of(ds));
      const send = (senderId: number, clientMsgId: string) =>
        messages.store({
          senderId,
          command: 100,
          content: Buffer.from(clientMsgId),
          recipients: [senderId, 500],
          createdAt: Date.now(),
          clientMsgId,
        });
      const work: Promise<unknown>[] = [];
      const saved: Promise<number>[] = [];
      for (let i = 0; i < 50; i++) {
        work.push(send(600 + (i % 5), `m-${i}`), send(600 + (i % 5), `m-${i}`));
        saved.push(devices.save(device(700 + i)));
      }
      await Promise.all(work);
      const ids = await Promise.all(saved);
      assert.equal(new Set(ids).size, 50);
      for (const [i, id] of ids.entries()) {
        assert.equal((await devices.find(id))?.userId, 700 + i, `device ${id} of user ${700 + i} survived`);
      }
      const inbox = await messages.inbox(500, 0, 1_000);
      assert.equal(inbox.length, 50, 'each send stored once, retries stored nothing');
      assert.deepEqual(
        inbox.map((message) => message.seq),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });
  });
}
