import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { FanoutBus, MemoryBus, RedisBus } from '@gim/bus';
import { connectInt } from '@gim/contracts';
import { Message, MessageCommand } from '@gim/protocol';
import { testRedisUrl, uniquePrefix } from '@gim/testing';
import { MemoryRoomLog } from './memory-room-log';
import { RedisRoomLog } from './redis-room-log';
import { readRoomHistory } from './room-history';
import {
  AppendResult,
  firstSeqAt,
  OVER_RATE,
  RoomEntry,
  RoomLog,
  RoomLogLimits,
  RoomSender,
} from './room-log';

const prefix = uniquePrefix('rooms');
const limits: RoomLogLimits = { maxMessages: 5, maxAgeMs: 60_000 };

interface Subject {
  log: RoomLog;
  bus: FanoutBus;
  /** Forgets every room (Redis wiped). */
  wipe(): Promise<void>;
  /** A second log on the same store (another logic process), when the store is shared. */
  twin?: RoomLog;
}

/** A clock the tests move by hand. */
const clock = { now: 1_800_000_000_000 };
const now = (): number => clock.now;

async function deleteKeys(): Promise<void> {
  const redis = new Redis(testRedisUrl());
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

/** The Redis keys of a room's state hash and history list. */
const roomKeys = (roomId: number) => ({
  state: `${prefix}room:{1:${roomId}}:m`,
  history: `${prefix}room:{1:${roomId}}:h`,
});

const subjects: Array<[string, () => Subject]> = [
  [
    'Redis',
    () => {
      const bus = new RedisBus(testRedisUrl());
      return {
        log: new RedisRoomLog(testRedisUrl(), prefix, limits, now),
        twin: new RedisRoomLog(testRedisUrl(), prefix, limits, now),
        bus,
        wipe: deleteKeys,
      };
    },
  ],
  [
    'memory',
    () => {
      const bus = new MemoryBus();
      const subject: Subject = {
        log: new MemoryRoomLog(bus, limits, now),
        bus,
        wipe: async () => {
          await subject.log.close();
          subject.log = new MemoryRoomLog(bus, limits, now);
        },
      };
      return subject;
    },
  ],
];

function entry(text: string, roomId: number, dedupeKey?: string, sender?: RoomSender): RoomEntry {
  const message = Buffer.from(
    Message.encode({
      command: MessageCommand.MC_GROUP_MESSAGE,
      content: Buffer.from(text),
      seq: 0,
      createdAt: clock.now,
      roomId,
      messageId: 0,
    }).finish(),
  );
  return { message, createdAt: clock.now, dedupeKey, sender };
}

/** Collects the messages published on a channel. */
async function listen(
  bus: FanoutBus,
  channel: string,
): Promise<{ batches: Message[][]; stop: () => Promise<void> }> {
  const batches: Message[][] = [];
  const handler = (payload: Buffer): void => {
    batches.push(connectInt.RoomBatch.decode(payload).messages.map((bytes) => Message.decode(bytes)));
  };
  await bus.subscribe(channel, handler);
  return { batches, stop: () => bus.unsubscribe(channel, handler) };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), 'timed out waiting');
}

const texts = (messages: Message[]): string[] => messages.map((message) => message.content.toString());

/** The seq an entry was appended with; fails when it was refused. */
function seqOf(result: AppendResult | undefined): number {
  assert.ok(result !== undefined && result !== OVER_RATE, `not appended: ${String(result)}`);
  return result.seq;
}

for (const [name, create] of subjects) {
  describe(`room log in ${name}`, () => {
    let subject: Subject;
    let room = 100;

    before(async () => {
      subject = create();
    });

    after(async () => {
      await subject.log.close();
      await subject.twin?.close();
      await subject.bus.close();
      await deleteKeys();
    });

    it('gives contiguous seqs from the time the history began, keeps them and publishes each append as one batch', async () => {
      room += 1;
      const channel = `${prefix}ch:${room}`;
      const feed = await listen(subject.bus, channel);
      const otherRoom = await listen(subject.bus, `${prefix}ch:${room + 1000}`);
      const first = await subject.log.append(channel, 1, room, [entry('a', room), entry('b', room)]);
      const second = await subject.log.append(channel, 1, room, [entry('c', room)]);
      const base = firstSeqAt(clock.now);
      assert.deepEqual([...first, ...second].map(seqOf), [base, base + 1, base + 2]);
      await until(() => feed.batches.length === 2);
      assert.deepEqual(feed.batches.map(texts), [['a', 'b'], ['c']]);
      assert.deepEqual(
        feed.batches
          .flat()
          .map((message) => [message.seq, message.roomId, message.command, message.createdAt]),
        [0, 1, 2].map((i) => [base + i, room, MessageCommand.MC_GROUP_MESSAGE, clock.now]),
      );
      const window = await subject.log.read(1, room, base, 10);
      assert.deepEqual([window.base, window.last, window.length], [base, base + 2, 3]);
      assert.deepEqual(texts(window.messages.map((bytes) => Message.decode(bytes))), ['b', 'c']);
      assert.equal((await subject.log.read(2, room, 0, 10)).last, 0, 'another app has its own room');
      assert.equal(otherRoom.batches.length, 0, "another room's listener hears none of it");
      await feed.stop();
      await otherRoom.stop();
    });

    it('keeps the last N messages and drops those older than the age bound', async () => {
      room += 1;
      const channel = `${prefix}ch:${room}`;
      const seqs: number[] = [];
      for (const text of ['1', '2', '3', '4', '5', '6', '7']) {
        seqs.push(...(await subject.log.append(channel, 1, room, [entry(text, room)])).map(seqOf));
      }
      let window = await subject.log.read(1, room, 0, 10);
      assert.deepEqual(texts(window.messages.map((bytes) => Message.decode(bytes))), [
        '3',
        '4',
        '5',
        '6',
        '7',
      ]);
      clock.now += 30_000;
      await subject.log.append(channel, 1, room, [entry('8', room)]);
      clock.now += 40_000;
      window = await subject.log.read(1, room, 0, 10);
      assert.deepEqual(
        texts(window.messages.map((bytes) => Message.decode(bytes))),
        ['8'],
        'older than 60 s is gone',
      );
      assert.equal(window.last, (seqs.at(-1) ?? 0) + 1, 'the seq counter outlives the history');
    });

    it('stores a deduplicated send once and answers a retry with the first seq', async () => {
      room += 1;
      const channel = `${prefix}ch:${room}`;
      const feed = await listen(subject.bus, channel);
      const [first] = await subject.log.append(channel, 1, room, [entry('once', room, '7:c-1')]);
      const [again] = await subject.log.append(channel, 1, room, [entry('twice', room, '7:c-1')]);
      assert.deepEqual(again, first);
      assert.equal((await subject.log.read(1, room, 0, 10)).length, 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(feed.batches.length, 1, 'the retry published nothing');
      await feed.stop();
    });

    it('limits sends per user in a room to the rate in any second, across second boundaries too', async () => {
      room += 1;
      const channel = `${prefix}ch:${room}`;
      const send = async (userId: number, roomId = room): Promise<boolean> => {
        const [result] = await subject.log.append(channel, 1, roomId, [
          entry('s', roomId, undefined, { userId, perSecond: 3 }),
        ]);
        return result !== OVER_RATE;
      };
      clock.now = Math.ceil(clock.now / 1000) * 1000 + 900;
      const burst = await subject.log.append(
        channel,
        1,
        room,
        ['1', '2', '3', '4'].map((text) => entry(text, room, undefined, { userId: 42, perSecond: 3 })),
      );
      assert.equal(burst[3], OVER_RATE);
      const window = await subject.log.read(1, room, 0, 10);
      assert.deepEqual(texts(window.messages.map((bytes) => Message.decode(bytes))), ['1', '2', '3']);
      assert.equal(window.last - window.base, 2, 'a refused message takes no seq');
      assert.equal(await send(43), true, 'another user has its own count');
      assert.equal(await send(42, room + 1000), true, 'so has the same user in another room');
      clock.now += 200;
      assert.equal(await send(42), false, 'a new calendar second gives no new burst');
      clock.now += 140;
      assert.equal(await send(42), true, 'a slot frees every third of a second');
      assert.equal(await send(42), false);
      clock.now += 1000;
      const after: boolean[] = [];
      for (let i = 0; i < 4; i++) after.push(await send(42));
      assert.deepEqual(after, [true, true, true, false], 'a quiet second gives the whole burst back');
    });

    it('answers the retry of a stored send with its result even at the rate limit, and checks a refused one anew', async () => {
      room += 1;
      const channel = `${prefix}ch:${room}`;
      const sender = { userId: 42, perSecond: 2 };
      const send = async (text: string, clientMsgId: string) =>
        (await subject.log.append(channel, 1, room, [entry(text, room, `42:${clientMsgId}`, sender)]))[0];
      clock.now += 5_000;
      const first = await send('one', 'c-1');
      const second = await send('two', 'c-2');
      assert.equal(await send('three', 'c-3'), OVER_RATE, 'at the limit');
      assert.deepEqual(await send('one', 'c-1'), first, 'the retry of a stored send');
      assert.deepEqual(await send('one', 'c-1'), first, 'and again: a retry takes no slot');
      clock.now += 500;
      const third = await send('three', 'c-3');
      assert.equal(seqOf(third), seqOf(second) + 1, 'the refused send was not stored: its retry is appended');
      const window = await subject.log.read(1, room, 0, 10);
      assert.deepEqual(texts(window.messages.map((bytes) => Message.decode(bytes))), ['one', 'two', 'three']);
    });

    it(
      'starts a new history when only the state was lost: old seqs are told lost, never mixed with new ones',
      { skip: name === 'memory' ? 'state and history are one object in memory' : false },
      async () => {
        const redis = new Redis(testRedisUrl());
        try {
          const fill = async (roomId: number): Promise<number> => {
            const appended = await subject.log.append(`${prefix}ch:${roomId}`, 1, roomId, [
              entry('a', roomId),
              entry('b', roomId),
              entry('c', roomId),
            ]);
            return seqOf(appended.at(-1));
          };

          room += 1;
          const readFirst = room;
          const held = await fill(readFirst);
          const keys = roomKeys(readFirst);
          const [stateTtl, historyTtl] = await Promise.all([
            redis.pttl(keys.state),
            redis.pttl(keys.history),
          ]);
          assert.ok(
            historyTtl > 0 && historyTtl <= limits.maxAgeMs,
            `history expires with its newest message: ${historyTtl}`,
          );
          assert.ok(stateTtl >= historyTtl, 'the state outlives the history');
          await redis.del(keys.state);
          const told = await readRoomHistory(subject.log, 1, readFirst, held - 1, 0);
          assert.deepEqual(
            [told.missed, told.lost, told.messages.length, told.lastSeq],
            [true, true, 0, 0],
            'a history without its state is lost',
          );
          assert.ok(told.firstSeq > 0, `no negative first seq: ${told.firstSeq}`);
          assert.equal(await redis.exists(keys.history), 0, 'the orphan list is dropped');

          room += 1;
          const appendFirst = room;
          const before = await fill(appendFirst);
          await redis.del(roomKeys(appendFirst).state);
          clock.now += 5;
          const [restarted] = await subject.log.append(`${prefix}ch:${appendFirst}`, 1, appendFirst, [
            entry('d', appendFirst),
          ]);
          const seq = seqOf(restarted);
          assert.equal(seq, firstSeqAt(clock.now), 'a new history starts above every earlier seq');
          const old = await readRoomHistory(subject.log, 1, appendFirst, before, 0);
          assert.deepEqual(
            [old.missed, old.lost, texts(old.messages), old.firstSeq, old.lastSeq],
            [true, true, ['d'], seq, seq],
          );
          const current = await readRoomHistory(subject.log, 1, appendFirst, seq - 1, 0);
          assert.deepEqual([current.missed, texts(current.messages)], [false, ['d']]);
        } finally {
          redis.disconnect();
        }
      },
    );

    it('replays after a seq, tells a seq older than the history or from a lost history, and pages', async () => {
      room += 1;
      const channel = `${prefix}ch:${room}`;
      const seqs: number[] = [];
      for (const text of ['a', 'b', 'c', 'd', 'e', 'f']) {
        seqs.push(...(await subject.log.append(channel, 1, room, [entry(text, room)])).map(seqOf));
      }
      const [, a2, , , e5, f6] = seqs as [number, number, number, number, number, number];
      const live = await readRoomHistory(subject.log, 1, room, 0, 0);
      assert.deepEqual([live.messages.length, live.lastSeq, live.missed], [0, f6, false], 'seq 0: live only');
      const recent = await readRoomHistory(subject.log, 1, room, e5 - 1, 0);
      assert.deepEqual(texts(recent.messages), ['e', 'f']);
      assert.equal(recent.missed, false);
      const held = await readRoomHistory(subject.log, 1, room, a2 - 1, 0);
      assert.deepEqual([held.missed, held.firstSeq], [false, a2], 'exactly the oldest kept message');
      const old = await readRoomHistory(subject.log, 1, room, a2 - 2, 0);
      assert.deepEqual([old.missed, old.lost, texts(old.messages)], [true, false, ['b', 'c', 'd', 'e', 'f']]);
      const paged = await readRoomHistory(subject.log, 1, room, a2 - 1, 2);
      assert.deepEqual([texts(paged.messages), paged.hasMore], [['b', 'c'], true]);
      const rest = await readRoomHistory(subject.log, 1, room, paged.messages[1]?.seq ?? 0, 10);
      assert.deepEqual([texts(rest.messages), rest.hasMore], [['d', 'e', 'f'], false]);

      await subject.wipe();
      const empty = await readRoomHistory(subject.log, 1, room, f6, 0);
      assert.deepEqual(
        [empty.missed, empty.lost, empty.messages.length],
        [true, true, 0],
        'nothing left at all',
      );
      clock.now += 5;
      await subject.log.append(channel, 1, room, [entry('g', room)]);
      const restarted = await readRoomHistory(subject.log, 1, room, f6, 0);
      assert.deepEqual([restarted.missed, restarted.lost, texts(restarted.messages)], [true, true, ['g']]);
      assert.ok(restarted.firstSeq > f6, 'a new history starts above every earlier seq');
      const ahead = await readRoomHistory(subject.log, 1, room, restarted.lastSeq + 10, 0);
      assert.deepEqual([ahead.missed, ahead.lost, texts(ahead.messages)], [true, true, ['g']]);
    });

    it(
      'publishes concurrent appends from several processes in seq order',
      { skip: name === 'memory' ? 'one process appends one at a time' : false },
      async () => {
        room += 1;
        const channel = `${prefix}ch:${room}`;
        const feed = await listen(subject.bus, channel);
        const twin = subject.twin ?? subject.log;
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 === 0 ? subject.log : twin).append(channel, 1, room, [entry(`m${i}`, room)]),
          ),
        );
        await until(() => feed.batches.length === 40);
        const published = feed.batches.flat().map((message) => message.seq);
        assert.deepEqual(
          published,
          [...published].sort((x, y) => x - y),
        );
        assert.equal(new Set(published).size, 40);
        await feed.stop();
      },
    );
  });
}
