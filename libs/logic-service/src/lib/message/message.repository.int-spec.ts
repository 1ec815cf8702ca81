import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { applySchemaFile, createDataSource, Database, LOGIC_ENTITIES } from '@gim/storage';
import { createTestDatabase, tempDir, TestDatabase, TempDir } from '@gim/testing';
import { MessageRepository } from './message.repository';

interface Engine {
  name: string;
  open(): Promise<DataSource>;
  cleanup(): Promise<void>;
}

let database: TestDatabase | undefined;
let dir: TempDir | undefined;

const engines: Engine[] = [
  {
    name: 'MariaDB',
    async open() {
      database = await createTestDatabase('msgrepo');
      const ds = await createDataSource(database.url, LOGIC_ENTITIES, { multiStatements: true });
      await applySchemaFile(ds, 'logic');
      return ds;
    },
    async cleanup() {
      await database?.drop();
    },
  },
  {
    name: 'SQLite',
    async open() {
      dir = await tempDir('msgrepo');
      return createDataSource(`sqlite:${dir.path}/logic.sqlite`, LOGIC_ENTITIES);
    },
    async cleanup() {
      await dir?.remove();
    },
  },
];

for (const engine of engines) {
  describe(`MessageRepository on ${engine.name}`, () => {
    let ds: DataSource;
    let repo: MessageRepository;

    before(async () => {
      ds = await engine.open();
      repo = new MessageRepository(Database.of(ds));
    });

    after(async () => {
      await ds.destroy();
      await engine.cleanup();
    });

    it('gives every recipient the next seq of their own, starting at 1', async () => {
      const first = await repo.store({
        senderId: 1,
        command: 100,
        content: Buffer.from('a'),
        recipients: [1, 2],
        createdAt: Date.now(),
      });
      assert.ok('messageId' in first);
      assert.deepEqual([...first.seqs].sort(), [
        [1, 1],
        [2, 1],
      ]);
      const second = await repo.store({
        senderId: 2,
        command: 100,
        content: Buffer.from('b'),
        recipients: [2, 3],
        createdAt: Date.now(),
      });
      assert.ok('messageId' in second);
      assert.equal(second.seqs.get(2), 2);
      assert.equal(second.seqs.get(3), 1);
      assert.ok(second.messageId > first.messageId);
      assert.ok(first.messageId >= 10000, `ids start at 10000, got ${first.messageId}`);
    });

    it('never hands out the same seq twice under concurrent sends to one user', async () => {
      const sends = Array.from({ length: 40 }, (_, i) =>
        repo.store({
          senderId: 100 + i,
          command: 100,
          content: Buffer.from([i]),
          recipients: [100 + i, 50],
          createdAt: Date.now(),
        }),
      );
      const results = await Promise.all(sends);
      const seqs = results.map((result) => {
        assert.ok('messageId' in result);
        return result.seqs.get(50)!;
      });
      assert.deepEqual(
        [...seqs].sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.equal(await repo.currentSeq(50), 40);
    });

    it('stores a retried send once and returns the first result', async () => {
      const message = {
        senderId: 7,
        command: 100,
        content: Buffer.from('hi'),
        recipients: [7, 8],
        createdAt: Date.now(),
        clientMsgId: 'c-1',
      };
      const first = await repo.store(message);
      assert.ok('messageId' in first);
      const again = await repo.store(message);
      assert.ok('duplicate' in again);
      assert.equal(again.duplicate.messageId, first.messageId);
      assert.equal(again.duplicate.seq, first.seqs.get(7));
      assert.equal(await repo.currentSeq(8), 1, 'the retry gave the receiver no second seq');
      assert.deepEqual(await repo.findSend(7, 'c-1'), again.duplicate);
      const [concurrentA, concurrentB] = await Promise.all([
        repo.store({ ...message, clientMsgId: 'c-2' }),
        repo.store({ ...message, clientMsgId: 'c-2' }),
      ]);
      const ids = [concurrentA, concurrentB].map((r) =>
        'duplicate' in r ? r.duplicate.messageId : 'messageId' in r ? r.messageId : 0,
      );
      assert.equal(ids[0], ids[1], 'concurrent retries resolve to one message');
      assert.equal(await repo.currentSeq(8), 2);
    });

    it('commits many messages in one call: per-user seqs in order, retries and repeats resolved to the first', async () => {
      const base = { command: 100, content: Buffer.from('g'), createdAt: Date.now() };
      const first = await repo.store({ ...base, senderId: 300, recipients: [300, 301], clientMsgId: 'g-0' });
      assert.ok('messageId' in first);
      const results = await repo.storeAll([
        { ...base, senderId: 300, recipients: [300, 301], clientMsgId: 'g-1' },
        { ...base, senderId: 302, recipients: [302, 301, 301], clientMsgId: 'g-1' },
        { ...base, senderId: 300, recipients: [300, 301], clientMsgId: 'g-0' },
        { ...base, senderId: 300, recipients: [300, 301], clientMsgId: 'g-1' },
        { ...base, senderId: 0, recipients: [301, 303] },
      ]);
      const [a, b, retried, repeated, push] = results;
      assert.ok(a && b && push && 'messageId' in a && 'messageId' in b && 'messageId' in push);
      assert.deepEqual([a.seqs.get(300), a.seqs.get(301)], [2, 2]);
      assert.deepEqual([b.seqs.get(302), b.seqs.get(301)], [1, 3], 'a user named twice gets one seq');
      assert.deepEqual([push.seqs.get(301), push.seqs.get(303)], [4, 1]);
      assert.deepEqual(retried, {
        duplicate: { messageId: first.messageId, seq: first.seqs.get(300), createdAt: first.createdAt },
      });
      assert.deepEqual(repeated, {
        duplicate: { messageId: a.messageId, seq: a.seqs.get(300), createdAt: a.createdAt },
      });
      const ids = [first.messageId, a.messageId, b.messageId, push.messageId];
      assert.equal(new Set(ids).size, 4);
      assert.deepEqual(
        (await repo.inbox(301, 0, 10)).map((m) => [m.seq, m.messageId]),
        [
          [1, first.messageId],
          [2, a.messageId],
          [3, b.messageId],
          [4, push.messageId],
        ],
      );
      assert.equal(await repo.currentSeq(300), 2, 'the retry and the repeat took no seq');
    });

    it('takes message ids above every stored one, also from a second repository (another process)', async () => {
      const other = new MessageRepository(Database.of(ds));
      const mine = await repo.store({
        senderId: 1,
        command: 1,
        content: Buffer.from('x'),
        recipients: [1],
        createdAt: 0,
      });
      const theirs = await other.store({
        senderId: 1,
        command: 1,
        content: Buffer.from('y'),
        recipients: [1],
        createdAt: 0,
      });
      assert.ok('messageId' in mine && 'messageId' in theirs);
      assert.notEqual(mine.messageId, theirs.messageId);
      const again = await repo.store({
        senderId: 1,
        command: 1,
        content: Buffer.from('z'),
        recipients: [1],
        createdAt: 0,
      });
      assert.ok('messageId' in again && again.messageId > mine.messageId);
      assert.deepEqual(
        (await repo.inbox(1, 0, 100)).slice(-3).map((m) => m.content.toString()),
        ['x', 'y', 'z'],
      );
    });

    it('pages an inbox in seq order with the bytes intact', async () => {
      const content = Buffer.from([0, 255, 1, 254, 10, 13]);
      for (let i = 0; i < 5; i++) {
        await repo.store({
          senderId: 0,
          command: 1,
          content: Buffer.concat([content, Buffer.from([i])]),
          recipients: [900],
          createdAt: 1_700_000_000_123 + i,
        });
      }
      const page1 = await repo.inbox(900, 0, 3);
      const page2 = await repo.inbox(900, page1.at(-1)!.seq, 3);
      assert.deepEqual(
        page1.map((m) => m.seq),
        [1, 2, 3],
      );
      assert.deepEqual(
        page2.map((m) => m.seq),
        [4, 5],
      );
      assert.deepEqual(page2[1]!.content, Buffer.concat([content, Buffer.from([4])]));
      assert.equal(page1[0]!.createdAt, 1_700_000_000_123);
      assert.equal(page1[0]!.command, 1);
    });

    it('stores a group message only while its group is active at the member version it names; a stale one takes no seq', async () => {
      await ds.query(
        'INSERT INTO chat_group (id, app_id, name, status, member_count, member_version) VALUES (?, 1, ?, 1, 3, 4)',
        [777, 'g'],
      );
      const toGroup = { senderId: 501, command: 100, content: Buffer.from('g'), recipients: [501, 502, 503] };
      const current = { groupId: 777, memberVersion: 4 };
      const first = await repo.store({ ...toGroup, createdAt: Date.now(), group: current });
      assert.ok('messageId' in first);
      const moved = { groupId: 777, memberVersion: 3 };
      const [stale, direct, fresh] = await repo.storeAll([
        { ...toGroup, createdAt: Date.now(), group: moved, clientMsgId: 'gv-1' },
        { ...toGroup, createdAt: Date.now(), recipients: [501, 502] },
        { ...toGroup, createdAt: Date.now(), group: current },
      ]);
      assert.deepEqual(stale, { stale: moved });
      assert.ok(direct && fresh && 'messageId' in direct && 'messageId' in fresh);
      assert.deepEqual([direct.seqs.get(501), direct.seqs.get(502)], [2, 2]);
      assert.deepEqual([fresh.seqs.get(501), fresh.seqs.get(502), fresh.seqs.get(503)], [3, 3, 2]);
      assert.deepEqual(
        (await repo.inbox(503, 0, 10)).map((message) => message.messageId),
        [first.messageId, fresh.messageId],
        'the stale message reached no inbox',
      );
      assert.equal(await repo.findSend(501, 'gv-1'), undefined, 'nor was its client id used up');
      assert.deepEqual(await Promise.all([501, 502, 503].map((user) => repo.currentSeq(user))), [3, 3, 2]);

      await ds.query('UPDATE chat_group SET status = 2 WHERE id = 777');
      const [dissolved, unknown] = await repo.storeAll([
        { ...toGroup, createdAt: Date.now(), group: current },
        { ...toGroup, createdAt: Date.now(), group: { groupId: 778, memberVersion: 0 } },
      ]);
      assert.deepEqual(dissolved, { stale: current });
      assert.deepEqual(unknown, { stale: { groupId: 778, memberVersion: 0 } });
      assert.deepEqual(
        await Promise.all([501, 502, 503].map((user) => repo.currentSeq(user))),
        [3, 3, 2],
        'no seq moved',
      );
    });

    it(
      'waits for a membership change holding the group row, then sees its new version',
      {
        skip: engine.name === 'SQLite' && 'SQLite runs one transaction at a time',
      },
      async () => {
        await ds.query(
          'INSERT INTO chat_group (id, app_id, name, status, member_count, member_version) VALUES (?, 1, ?, 1, 2, 0)',
          [779, 'locked'],
        );
        const change = ds.createQueryRunner();
        await change.connect();
        try {
          await change.startTransaction();
          await change.query('UPDATE chat_group SET member_version = member_version + 1 WHERE id = 779');
          let settled = false;
          const storing = repo
            .store({
              senderId: 601,
              command: 100,
              content: Buffer.from('x'),
              recipients: [601, 602],
              createdAt: Date.now(),
              group: { groupId: 779, memberVersion: 0 },
            })
            .finally(() => (settled = true));
          await new Promise((resolve) => setTimeout(resolve, 300));
          assert.equal(settled, false, 'the commit waits for the membership change');
          await change.commitTransaction();
          assert.deepEqual(await storing, { stale: { groupId: 779, memberVersion: 0 } });
          assert.deepEqual([await repo.currentSeq(601), await repo.currentSeq(602)], [0, 0]);
        } finally {
          if (change.isTransactionActive) await change.rollbackTransaction();
          await change.release();
        }
      },
    );

    it('keeps the highest acknowledged seq per device', async () => {
      await repo.ack(5001, 900, 3);
      await repo.ack(5001, 900, 2);
      await repo.ack(5002, 900, 1);
      assert.equal(await repo.highestAck(900), 3);
      assert.equal(await repo.highestAck(901), 0);
    });
  });
}
