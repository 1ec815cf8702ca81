import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import { AppendResult, OVER_RATE, RoomEntry, RoomLog, RoomWindow } from './room-log';
import { RoomPusher, RoomPusherOptions } from './room-pusher';

/** A room log that records each append (room and texts) and numbers what it appends; it may hold or fail them. */
class RecordingLog extends RoomLog {
  readonly appends: Array<{ roomId: number; texts: string[] }> = [];
  /** Appends wait for release() while set. */
  hold = false;
  failWith: Error | undefined;
  private readonly held: Array<() => void> = [];
  private nextSeq = 1;

  async append(
    _channel: string,
    _appId: number,
    roomId: number,
    entries: readonly RoomEntry[],
  ): Promise<AppendResult[]> {
    this.appends.push({ roomId, texts: entries.map((entry) => entry.message.toString()) });
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failWith) throw this.failWith;
    // A sender named 0 is over its rate: the stand-in for the log's send-slot check.
    return entries.map((entry) =>
      entry.sender?.userId === 0 ? OVER_RATE : { seq: this.nextSeq++, createdAt: entry.createdAt },
    );
  }

  async read(): Promise<RoomWindow> {
    return { base: 0, last: 0, length: 0, messages: [] };
  }

  async close(): Promise<void> {
    this.release();
  }

  /** Lets every held append answer, oldest first. */
  release(): void {
    for (const resume of this.held.splice(0)) resume();
  }
}

const MERGE_MS = 10;

function setup(options: Partial<RoomPusherOptions> = {}) {
  const log = new RecordingLog();
  const pusher = new RoomPusher(log, { mergeMs: MERGE_MS, maxWaiting: 100, maxBatch: 500, ...options });
  const push = (text: string, priority = false, roomId = 7, sender?: RoomEntry['sender']) =>
    pusher.push(`room:${roomId}`, 1, roomId, { message: Buffer.from(text), createdAt: 5, sender }, priority);
  return { log, push };
}

const seqsOf = async (pushes: Array<Promise<{ seq: number }>>): Promise<number[]> =>
  (await Promise.all(pushes)).map((appended) => appended.seq);

const isCode = (code: ErrorCode) => (error: unknown) => error instanceof GimError && error.code === code;

void describe('RoomPusher', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  void it('merges the non-priority messages of a room that arrive within the merge window into one append, in order', async () => {
    const { log, push } = setup();
    const pushes = [push('a'), push('b')];
    mock.timers.tick(MERGE_MS - 1);
    pushes.push(push('c'));
    assert.equal(log.appends.length, 0, 'nothing leaves before the window ends');
    mock.timers.tick(1);
    assert.deepEqual(log.appends, [{ roomId: 7, texts: ['a', 'b', 'c'] }]);
    assert.deepEqual(await seqsOf(pushes), [1, 2, 3]);
    pushes.push(push('d'));
    mock.timers.tick(MERGE_MS);
    assert.deepEqual(log.appends.at(-1), { roomId: 7, texts: ['d'] }, 'the next window is a new append');
  });

  void it('sends a priority message at once, with what its room had waiting before it, and leaves other rooms waiting', async () => {
    const { log, push } = setup();
    const waiting = [push('a'), push('b'), push('elsewhere', false, 8)];
    const urgent = push('p', true);
    assert.deepEqual(log.appends, [{ roomId: 7, texts: ['a', 'b', 'p'] }]);
    assert.deepEqual(await seqsOf([waiting[0]!, waiting[1]!, urgent]), [1, 2, 3]);
    mock.timers.tick(MERGE_MS);
    assert.deepEqual(log.appends.slice(1), [{ roomId: 8, texts: ['elsewhere'] }], 'room 7 has nothing left');
    await waiting[2];
  });

  void it('never waits with a merge window of 0', async () => {
    const { log, push } = setup({ mergeMs: 0 });
    const first = push('a');
    assert.deepEqual(log.appends, [{ roomId: 7, texts: ['a'] }]);
    const second = push('b');
    assert.equal(log.appends.length, 2);
    assert.deepEqual(await seqsOf([first, second]), [1, 2]);
  });

  void it('splits what waits into appends of at most maxBatch messages, in order', async () => {
    const { log, push } = setup({ maxBatch: 3 });
    const pushes = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((text) => push(text));
    assert.deepEqual(
      log.appends.map((append) => append.texts),
      [
        ['a', 'b', 'c'],
        ['d', 'e', 'f'],
      ],
      'full batches leave without waiting',
    );
    mock.timers.tick(MERGE_MS);
    assert.deepEqual(log.appends.at(-1)?.texts, ['g']);
    assert.deepEqual(await seqsOf(pushes), [1, 2, 3, 4, 5, 6, 7]);
  });

  for (const mergeMs of [MERGE_MS, 0]) {
    void it(`refuses pushes with 10501 while maxWaiting messages wait or are being appended (merge ${mergeMs} ms)`, async () => {
      const { log, push } = setup({ mergeMs, maxWaiting: 3 });
      log.hold = true;
      const accepted = [push('a'), push('b', false, 8), push('c')];
      await assert.rejects(push('d'), isCode(ErrorCode.Busy));
      mock.timers.tick(MERGE_MS);
      assert.ok(log.appends.length > 0);
      await assert.rejects(push('e'), isCode(ErrorCode.Busy), 'an append in progress still counts');
      log.release();
      assert.equal((await Promise.all(accepted)).length, 3);
      log.hold = false;
      const later = push('f', true);
      assert.equal((await later).seq, 4, 'room again once the appends answered');
    });
  }

  void it("refuses with 10232 only the message whose sender is over the rate, and frees a failed append's room", async () => {
    const { log, push } = setup({ maxWaiting: 2 });
    const kept = push('kept');
    const refused = push('refused', true, 7, { userId: 0, perSecond: 3 });
    await assert.rejects(refused, (error: unknown) => {
      assert.ok(isCode(ErrorCode.RoomRateLimited)(error));
      assert.match((error as Error).message, /at most 3 per second/);
      return true;
    });
    assert.equal((await kept).seq, 1);

    log.failWith = new Error('connection lost');
    const failed = [push('x'), push('y', true)];
    for (const each of failed) await assert.rejects(each, /connection lost/);
    log.failWith = undefined;
    assert.equal((await push('z', true)).seq, 2, 'the failed messages no longer count as waiting');
  });
});
