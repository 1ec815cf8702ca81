// FriendRepository against MariaDB and SQLite: the writes that race (two requests, an answer against a withdrawal)
// store one outcome whole, never half of one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { applySchemaFile, BUSINESS_ENTITIES, createDataSource } from '@gim/storage';
import { createTestDatabase, tempDir } from '@gim/testing';
import { FriendStatus } from './friend';
import { FriendRepository } from './friend.repository';

const engines: { name: string; open(): Promise<{ ds: DataSource; cleanup(): Promise<void> }> }[] = [
  {
    name: 'MariaDB',
    async open() {
      const database = await createTestDatabase('friendrepo');
      const ds = await createDataSource(database.url, BUSINESS_ENTITIES);
      await applySchemaFile(ds, 'business');
      return { ds, cleanup: () => database.drop() };
    },
  },
  {
    name: 'SQLite',
    async open() {
      const dir = await tempDir('friendrepo');
      const ds = await createDataSource(`sqlite:${dir.path}/business.sqlite`, BUSINESS_ENTITIES);
      return { ds, cleanup: () => dir.remove() };
    },
  },
];

for (const engine of engines) {
  void describe(`FriendRepository on ${engine.name}`, () => {
    let ds: DataSource;
    let cleanup: () => Promise<void>;
    let relations: FriendRepository;
    let nextId = 1000;
    const pair = (): [number, number] => [nextId++, nextId++];
    const statuses = async (a: number, b: number) =>
      (await relations.between(a, b)).map((row) => row?.status);

    before(async () => {
      ({ ds, cleanup } = await engine.open());
      relations = new FriendRepository(ds);
    });

    after(async () => {
      await ds?.destroy();
      await cleanup?.();
    });

    void it('stores one of two identical requests and tells the other that a row was there first', async () => {
      const [ann, ben] = pair();
      assert.equal(await relations.request(ann, ben, '', 'first'), true);
      assert.equal(await relations.request(ann, ben, '', 'second'), false);
      assert.equal((await relations.between(ann, ben))[0]?.description, 'first');

      const [cat, dan] = pair();
      const stored = await Promise.all(
        Array.from({ length: 6 }, (_, i) => relations.request(cat, dan, '', `try ${i}`)),
      );
      assert.equal(stored.filter(Boolean).length, 1, 'concurrent requests: exactly one is stored');
    });

    void it("makes a waiting request a friendship on both sides, replacing the accepter's own request", async () => {
      const [ann, ben] = pair();
      await relations.request(ann, ben, 'Ben', '');
      await relations.request(ben, ann, '', '');
      assert.equal(await relations.befriend(ann, ben, 'Ann'), true);
      assert.deepEqual(await statuses(ann, ben), [FriendStatus.Friends, FriendStatus.Friends]);
      const [annSide, benSide] = await relations.between(ann, ben);
      assert.deepEqual([annSide?.remarks, benSide?.remarks], ['Ben', 'Ann']);
    });

    void it('changes nothing and answers false when the request is gone or already answered', async () => {
      const [ann, ben] = pair();
      assert.equal(await relations.befriend(ann, ben, ''), false, 'never asked');
      assert.deepEqual(await statuses(ann, ben), [undefined, undefined]);

      await relations.request(ann, ben, '', '');
      await relations.request(ben, ann, '', '');
      await relations.removeOne(ann, ben, FriendStatus.Requested);
      assert.equal(await relations.befriend(ann, ben, ''), false, 'withdrawn');
      assert.deepEqual(
        await statuses(ann, ben),
        [undefined, FriendStatus.Requested],
        "the accepter's own request is left as it was",
      );

      const [cat, dan] = pair();
      await relations.request(cat, dan, '', '');
      const answers = await Promise.all([
        relations.befriend(cat, dan, 'a'),
        relations.befriend(cat, dan, 'b'),
      ]);
      assert.deepEqual(
        answers.filter(Boolean).length,
        1,
        'two concurrent agreements: one makes the friendship',
      );
      assert.deepEqual(await statuses(cat, dan), [FriendStatus.Friends, FriendStatus.Friends]);
    });

    void it('stores an agreement racing a withdrawal whole or not at all', async () => {
      for (let round = 0; round < 20; round++) {
        const [asker, accepter] = pair();
        await relations.request(asker, accepter, '', '');
        const [agreed] = await Promise.all([
          relations.befriend(asker, accepter, ''),
          relations.removeOne(asker, accepter, FriendStatus.Requested),
        ]);
        const [askerSide, accepterSide] = await statuses(asker, accepter);
        if (agreed) assert.deepEqual([askerSide, accepterSide], [FriendStatus.Friends, FriendStatus.Friends]);
        else assert.deepEqual([askerSide, accepterSide], [undefined, undefined], `round ${round}`);
      }
    });
  });
}
