import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import { NewMessage, StoreResult } from './message';
import { MessageRepository } from './message.repository';
import { StoreQueue, StoreQueueLimits } from './store-queue';

/** A repository stand-in that records each group commit and lets the test decide when it completes. */
class RecordingRepository {
  readonly commits: NewMessage[][] = [];
  private readonly releases: (() => void)[] = [];
  failWith: unknown;

  storeAll(messages: readonly NewMessage[]): Promise<StoreResult[]> {
    this.commits.push([...messages]);
    return new Promise((resolve, reject) => {
      this.releases.push(() =>
        this.failWith !== undefined
          ? reject(this.failWith)
          : resolve(
              messages.map((message, index) => ({
                messageId: this.commits.length * 1000 + index,
                createdAt: message.createdAt,
                seqs: new Map([[message.senderId, 1]]),
              })),
            ),
      );
    });
  }

  /** Completes the oldest commit in flight. */
  finish(): void {
    this.releases.shift()?.();
  }
}

const message = (senderId: number): NewMessage => ({
  senderId,
  command: 100,
  content: Buffer.from('m'),
  recipients: [senderId, 99],
  createdAt: 0,
});

const tick = () => new Promise((resolve) => setImmediate(resolve));

function queue(
  limits: StoreQueueLimits = { maxWaiting: 100, maxBatch: 10, maxWaitMs: 1_000, concurrency: 1 },
  now = () => 0,
) {
  const repository = new RecordingRepository();
  return { repository, store: new StoreQueue(repository as unknown as MessageRepository, limits, now) };
}

const isBusy = (error: unknown) => error instanceof GimError && error.code === ErrorCode.Busy;

void describe('StoreQueue', () => {
  void it('commits what arrives together in one batch, and what arrives during a commit in the next', async () => {
    const { repository, store } = queue();
    const first = [store.store(message(1)), store.store(message(2)), store.store(message(3))];
    await tick();
    assert.deepEqual(
      repository.commits.map((batch) => batch.map((m) => m.senderId)),
      [[1, 2, 3]],
    );
    const second = [store.store(message(4)), store.store(message(5))];
    await tick();
    assert.equal(repository.commits.length, 1, 'no second commit while the first runs');
    repository.finish();
    const results = await Promise.all(first);
    assert.deepEqual(
      results.map((result) => ('messageId' in result ? result.messageId : -1)),
      [1000, 1001, 1002],
    );
    await tick();
    assert.deepEqual(
      repository.commits[1]?.map((m) => m.senderId),
      [4, 5],
    );
    repository.finish();
    await Promise.all(second);
  });

  void it('runs up to `concurrency` commits at once; what arrives meanwhile waits for the first to finish', async () => {
    const { repository, store } = queue({
      maxWaiting: 100,
      maxBatch: 10,
      maxWaitMs: 1_000,
      concurrency: 2,
      parallelFrom: 1,
    });
    const first = store.store(message(1));
    await tick();
    const second = store.store(message(2));
    await tick();
    const third = [store.store(message(3)), store.store(message(4))];
    await tick();
    assert.deepEqual(
      repository.commits.map((batch) => batch.map((m) => m.senderId)),
      [[1], [2]],
      'two commits in flight, the third batch waits',
    );
    repository.finish();
    await first;
    await tick();
    assert.deepEqual(
      repository.commits[2]?.map((m) => m.senderId),
      [3, 4],
    );
    repository.finish();
    repository.finish();
    await Promise.all([second, ...third]);
  });

  void it('starts a commit beside a running one only while parallelFrom messages wait', async () => {
    const { repository, store } = queue({
      maxWaiting: 1_000,
      maxBatch: 500,
      maxWaitMs: 1_000,
      concurrency: 2,
      parallelFrom: 3,
    });
    const first = store.store(message(1));
    await tick();
    const few = [store.store(message(2)), store.store(message(3))];
    await tick();
    assert.equal(repository.commits.length, 1, 'two waiting messages wait for the running commit');
    const more = store.store(message(4));
    await tick();
    assert.deepEqual(
      repository.commits.map((batch) => batch.map((m) => m.senderId)),
      [[1], [2, 3, 4]],
      'a third waiting message starts the second commit',
    );
    repository.finish();
    repository.finish();
    await Promise.all([first, ...few, more]);
  });

  void it('splits what waits into batches of at most maxBatch', async () => {
    const { repository, store } = queue({ maxWaiting: 100, maxBatch: 2, maxWaitMs: 1_000, concurrency: 1 });
    const all = [1, 2, 3, 4, 5].map((sender) => store.store(message(sender)));
    for (let i = 0; i < 3; i++) {
      await tick();
      repository.finish();
    }
    await Promise.all(all);
    assert.deepEqual(
      repository.commits.map((batch) => batch.length),
      [2, 2, 1],
    );
  });

  void it('answers busy at once when maxWaiting messages already wait', async () => {
    const { repository, store } = queue({ maxWaiting: 2, maxBatch: 10, maxWaitMs: 1_000, concurrency: 1 });
    const accepted = [store.store(message(1)), store.store(message(2))];
    await assert.rejects(store.store(message(3)), isBusy);
    await tick();
    repository.finish();
    await Promise.all(accepted);
    assert.equal(repository.commits.flat().length, 2);
  });

  void it('answers busy at once while the oldest waiting message has waited longer than maxWaitMs', async () => {
    let now = 0;
    const { repository, store } = queue(
      { maxWaiting: 100, maxBatch: 10, maxWaitMs: 200, concurrency: 1 },
      () => now,
    );
    const running = store.store(message(1));
    await tick();
    const waiting = store.store(message(2));
    now = 150;
    const stillFine = store.store(message(3));
    now = 250;
    await assert.rejects(store.store(message(4)), isBusy);
    repository.finish();
    await running;
    await tick();
    repository.finish();
    await Promise.all([waiting, stillFine]);
    await tick();
    const afterwards = store.store(message(5));
    await tick();
    repository.finish();
    await afterwards;
  });

  void it('does not store a message whose caller gave up while it waited, and says busy', async () => {
    let now = 0;
    const { repository, store } = queue(undefined, () => now);
    const running = store.store(message(1));
    await tick();
    const late = store.store(message(2), 50);
    const inTime = store.store(message(3), 500);
    now = 100;
    repository.finish();
    await running;
    await assert.rejects(late, isBusy);
    await tick();
    repository.finish();
    await inTime;
    assert.deepEqual(
      repository.commits.map((batch) => batch.map((m) => m.senderId)),
      [[1], [3]],
    );
  });

  void it('fails every message of a failed commit with its error and keeps serving', async () => {
    const { repository, store } = queue();
    const outage = new GimError(ErrorCode.Unavailable, 'storage down');
    repository.failWith = outage;
    const failed = [store.store(message(1)), store.store(message(2))];
    await tick();
    repository.finish();
    for (const result of failed) await assert.rejects(result, (error) => error === outage);
    repository.failWith = undefined;
    const next = store.store(message(3));
    await tick();
    repository.finish();
    assert.ok(!('duplicate' in (await next)));
  });
});
