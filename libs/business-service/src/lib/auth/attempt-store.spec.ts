import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { attemptStoreContract, StoreUnderTest } from '../../../test/attempt-store.contract';
import { MemoryAttemptStore } from './attempt-store';

const WINDOW_MS = 15 * 60 * 1000;

void describe('MemoryAttemptStore', () => {
  let subject: StoreUnderTest;

  beforeEach(() => {
    let now = 1_000_000;
    subject = {
      store: new MemoryAttemptStore(1000, () => now),
      windowMs: WINDOW_MS,
      slackMs: 0,
      advance: async (ms) => {
        now += ms;
      },
    };
  });

  void describe('AttemptStore contract', () => attemptStoreContract(() => subject));

  void it('holds at most its bound, dropping expired counters first, then the oldest', async () => {
    let now = 0;
    const store = new MemoryAttemptStore(3, () => now);
    await store.reserve([{ key: 'a', max: 5 }], 1000);
    now = 500;
    await store.reserve([{ key: 'b', max: 5 }], 1000);
    await store.reserve([{ key: 'c', max: 5 }], 1000);
    now = 1200;
    await store.reserve([{ key: 'd', max: 5 }], 1000);
    assert.equal(store.size, 3, 'the expired counter a made room');
    await store.reserve([{ key: 'b', max: 5 }], 1000);
    await store.reserve([{ key: 'e', max: 5 }], 1000);
    assert.equal(store.size, 3);
    assert.deepEqual(await store.reserve([{ key: 'e', max: 5 }], 1000), { granted: true, counts: [2] });
    assert.deepEqual(
      await store.reserve([{ key: 'b', max: 5 }], 1000),
      { granted: true, counts: [1] },
      'b, the oldest live counter, was dropped for e',
    );
  });

  void it('close forgets everything', async () => {
    const store = new MemoryAttemptStore();
    await store.reserve([{ key: 'a', max: 1 }], WINDOW_MS);
    await store.close();
    assert.equal(store.size, 0);
  });
});
