// The behaviour every AttemptStore must have, run against the memory store (fake clock) and Redis (real time).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { AttemptStore, Reservation } from '../src/lib/auth/attempt-store';

/** A store to check, the window to use with it, and how to let time pass for it. */
export interface StoreUnderTest {
  store: AttemptStore;
  windowMs: number;
  /** lets `ms` pass as the store sees time (a fake clock, or real sleep) */
  advance(ms: number): Promise<void>;
  /** how far the store's view of time may drift from `advance` (0 with a fake clock) */
  slackMs: number;
}

const granted = (reservation: Reservation): number[] => {
  assert.ok(reservation.granted, `expected a granted reservation, got ${JSON.stringify(reservation)}`);
  return reservation.counts;
};

const refused = (reservation: Reservation): number => {
  assert.ok(!reservation.granted, `expected a refusal, got ${JSON.stringify(reservation)}`);
  return reservation.retryAfterMs;
};

/** Registers the contract's tests; `current` gives the store set up for the running test. */
export function attemptStoreContract(current: () => StoreUnderTest): void {
  const fresh = (name: string) => `${name}:${randomBytes(4).toString('hex')}`;

  void it('counts each counter separately and returns the new counts in order', async () => {
    const { store, windowMs } = current();
    const phone = fresh('phone');
    const address = fresh('addr');
    const limits = [
      { key: phone, max: 5 },
      { key: address, max: 100 },
    ];
    assert.deepEqual(granted(await store.reserve(limits, windowMs)), [1, 1]);
    assert.deepEqual(granted(await store.reserve(limits, windowMs)), [2, 2]);
    const otherPhone = fresh('phone');
    assert.deepEqual(
      granted(
        await store.reserve(
          [
            { key: otherPhone, max: 5 },
            { key: address, max: 100 },
          ],
          windowMs,
        ),
      ),
      [1, 3],
    );
  });

  void it('refuses once a counter is full, without adding to the others, and says how long is left', async () => {
    const { store, windowMs, slackMs } = current();
    const phone = fresh('phone');
    const address = fresh('addr');
    const limits = [
      { key: phone, max: 2 },
      { key: address, max: 100 },
    ];
    granted(await store.reserve(limits, windowMs));
    assert.deepEqual(granted(await store.reserve(limits, windowMs)), [2, 2]);
    const left = refused(await store.reserve(limits, windowMs));
    assert.ok(left > 0 && left <= windowMs, `left ${left} of ${windowMs}`);
    assert.ok(left >= windowMs - slackMs, `left ${left}, expected about ${windowMs}`);
    const otherPhone = fresh('phone');
    assert.deepEqual(
      granted(
        await store.reserve(
          [
            { key: otherPhone, max: 2 },
            { key: address, max: 100 },
          ],
          windowMs,
        ),
      ),
      [1, 3],
      'the refused attempt did not count against the address',
    );
  });

  void it('keeps a fixed window: later slots do not extend it, and it starts afresh when it ends', async () => {
    const { store, windowMs, advance, slackMs } = current();
    const key = fresh('phone');
    const limits = [{ key, max: 3 }];
    granted(await store.reserve(limits, windowMs));
    await advance(windowMs / 2);
    granted(await store.reserve(limits, windowMs));
    granted(await store.reserve(limits, windowMs));
    const left = refused(await store.reserve(limits, windowMs));
    assert.ok(left <= windowMs / 2 + slackMs, `left ${left}, expected at most half of ${windowMs}`);
    await advance(windowMs / 2 + slackMs);
    assert.deepEqual(granted(await store.reserve(limits, windowMs)), [1]);
  });

  void it('refuses with the longest time left when several counters are full', async () => {
    const { store, windowMs, advance, slackMs } = current();
    const early = fresh('addr');
    const late = fresh('phone');
    granted(await store.reserve([{ key: early, max: 1 }], windowMs));
    await advance(windowMs / 2);
    granted(await store.reserve([{ key: late, max: 1 }], windowMs));
    const left = refused(
      await store.reserve(
        [
          { key: early, max: 1 },
          { key: late, max: 1 },
        ],
        windowMs,
      ),
    );
    assert.ok(left >= windowMs - slackMs, `left ${left}, expected the later window (about ${windowMs})`);
  });

  void it('release gives one slot back and never creates a counter', async () => {
    const { store, windowMs } = current();
    const key = fresh('phone');
    const limits = [{ key, max: 2 }];
    granted(await store.reserve(limits, windowMs));
    granted(await store.reserve(limits, windowMs));
    refused(await store.reserve(limits, windowMs));
    await store.release([key]);
    assert.deepEqual(granted(await store.reserve(limits, windowMs)), [2]);
    await store.release([key]);
    await store.release([key]);
    await store.release([key]);
    assert.deepEqual(granted(await store.reserve(limits, windowMs)), [1], 'no count below zero');
    const untouched = fresh('addr');
    await store.release([untouched]);
    assert.deepEqual(granted(await store.reserve([{ key: untouched, max: 2 }], windowMs)), [1]);
  });

  void it('clear forgets counters', async () => {
    const { store, windowMs } = current();
    const key = fresh('phone');
    const limits = [{ key, max: 1 }];
    granted(await store.reserve(limits, windowMs));
    refused(await store.reserve(limits, windowMs));
    await store.clear([key]);
    assert.deepEqual(granted(await store.reserve(limits, windowMs)), [1]);
  });

  void it('grants exactly max slots to concurrent reservations', async () => {
    const { store, windowMs } = current();
    const limits = [{ key: fresh('phone'), max: 5 }];
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.reserve(limits, windowMs)));
    const counts = outcomes.flatMap((outcome) => (outcome.granted ? outcome.counts : []));
    assert.deepEqual(
      counts.sort((a, b) => a - b),
      [1, 2, 3, 4, 5],
    );
  });
}
