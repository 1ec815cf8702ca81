// The moment visibility rule and the hiding of blocked third parties, as SQL on MariaDB and SQLite.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { applySchemaFile, BUSINESS_ENTITIES, createDataSource } from '@gim/storage';
import { createTestDatabase, tempDir } from '@gim/testing';
import { FriendStatus } from '../friend/friend';
import { MomentRepository } from './moment.repository';

const engines: { name: string; open(): Promise<{ ds: DataSource; cleanup(): Promise<void> }> }[] = [
  {
    name: 'MariaDB',
    async open() {
      const database = await createTestDatabase('momentrepo');
      const ds = await createDataSource(database.url, BUSINESS_ENTITIES);
      await applySchemaFile(ds, 'business');
      return { ds, cleanup: () => database.drop() };
    },
  },
  {
    name: 'SQLite',
    async open() {
      const dir = await tempDir('momentrepo');
      const ds = await createDataSource(`sqlite:${dir.path}/business.sqlite`, BUSINESS_ENTITIES);
      return { ds, cleanup: () => dir.remove() };
    },
  },
];

const APP = 1;
let nextUser = 1000;

for (const engine of engines) {
  void describe(`MomentRepository on ${engine.name}`, () => {
    let ds: DataSource;
    let cleanup: () => Promise<void>;
    let moments: MomentRepository;

    const users = (count: number): number[] => Array.from({ length: count }, () => ++nextUser);
    const befriend = (a: number, b: number) =>
      ds.query('INSERT INTO friend (user_id, friend_id, status) VALUES (?, ?, ?), (?, ?, ?)', [
        a,
        b,
        FriendStatus.Friends,
        b,
        a,
        FriendStatus.Friends,
      ]);
    const block = (user: number, blocked: number) =>
      ds.query('INSERT INTO user_block (user_id, blocked_id) VALUES (?, ?)', [user, blocked]);
    const post = async (author: number, text = 'hi') => (await moments.post(APP, author, text, [])).id;
    const timelineIds = async (reader: number, limit = 100) =>
      (await moments.timeline(reader, 0, limit)).map((moment) => moment.id);

    before(async () => {
      ({ ds, cleanup } = await engine.open());
      moments = new MomentRepository(ds);
    });

    after(async () => {
      await ds.destroy();
      await cleanup();
    });

    void it("shows a reader its own moments and its friends', never a stranger's, a requester's or across a block", async () => {
      const [reader, friend, stranger, requester, blockedFriend, blockingFriend] = users(6) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      await befriend(reader, friend);
      await befriend(reader, blockedFriend);
      await befriend(reader, blockingFriend);
      await ds.query('INSERT INTO friend (user_id, friend_id, status) VALUES (?, ?, ?)', [
        requester,
        reader,
        FriendStatus.Requested,
      ]);
      await block(reader, blockedFriend);
      await block(blockingFriend, reader);
      const own = await post(reader);
      const friends = await post(friend);
      const hidden = [
        await post(stranger),
        await post(requester),
        await post(blockedFriend),
        await post(blockingFriend),
      ];

      assert.deepEqual(await timelineIds(reader), [friends, own]);
      assert.equal((await moments.findVisible(own, APP, reader))?.id, own);
      assert.equal((await moments.findVisible(friends, APP, reader))?.id, friends);
      for (const id of hidden) assert.equal(await moments.findVisible(id, APP, reader), undefined, `${id}`);
      assert.equal(await moments.findVisible(friends, APP + 1, reader), undefined, 'another app');
      assert.deepEqual(await timelineIds(stranger), [hidden[0]], 'a stranger sees its own only');
    });

    void it('pages a timeline of many friends newest first by cursor, each moment once', async () => {
      const [reader, ...friends] = users(301) as [number, ...number[]];
      for (const friend of friends) await befriend(reader, friend);
      const posted: number[] = [];
      for (let round = 0; round < 2; round++)
        for (const author of [reader, ...friends.filter((_, i) => i % 10 === round)])
          posted.push(await post(author));
      const seen: number[] = [];
      let before = 0;
      for (;;) {
        const page = await moments.timeline(reader, before, 7);
        seen.push(...page.map((moment) => moment.id));
        if (page.length < 7) break;
        before = page.at(-1)?.id ?? 0;
      }
      assert.deepEqual(
        seen,
        [...posted].sort((a, b) => b - a),
      );
    });

    void it('hides the likes and comments of users in a block with the reader, from the lists and the counts', async () => {
      const [author, reader, blockedByReader, blockingReader, other] = users(5) as [
        number,
        number,
        number,
        number,
        number,
      ];
      const id = await post(author);
      for (const user of [blockedByReader, blockingReader, other]) {
        await moments.like(id, user);
        await moments.comment(id, user, `from ${user}`);
      }
      await block(reader, blockedByReader);
      await block(blockingReader, reader);

      const comments = await moments.comments(id, reader, 200);
      assert.deepEqual(
        comments.map((comment) => comment.userId),
        [other],
      );
      assert.deepEqual(await moments.likers(id, reader, 200), [other]);
      assert.deepEqual(await moments.hiddenFrom(reader, [id]), new Map([[id, { likes: 2, comments: 2 }]]));
      const stored = await moments.find(id);
      assert.deepEqual(
        [stored?.likeCount, stored?.commentCount],
        [3, 3],
        'the stored counts are of everyone',
      );

      assert.equal((await moments.comments(id, author, 200)).length, 3, 'the author has no block');
      assert.deepEqual(await moments.hiddenFrom(author, [id]), new Map());
    });
  });
}
