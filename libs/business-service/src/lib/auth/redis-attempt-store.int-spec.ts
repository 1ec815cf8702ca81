// The Redis attempt store against the real Redis (GIM_TEST_REDIS_URL), under a prefix of its own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ErrorCode, GimError } from '@gim/errors';
import { freePort, testRedisUrl, uniquePrefix } from '@gim/testing';
import { attemptStoreContract, StoreUnderTest } from '../../../test/attempt-store.contract';
import { deleteKeysUnder } from '../../../test/redis-keys';
import { RedisAttemptStore } from './redis-attempt-store';

const WINDOW_MS = 1000;

void describe('RedisAttemptStore', { timeout: 30_000 }, () => {
  const prefix = uniquePrefix('signin-attempts');
  let store: RedisAttemptStore;
  let redis: Redis;

  before(() => {
    store = new RedisAttemptStore(testRedisUrl(), prefix);
    redis = new Redis(testRedisUrl());
  });

  after(async () => {
    await deleteKeysUnder(prefix);
    await store.close();
    await redis.quit();
  });

  void describe('AttemptStore contract', () =>
    attemptStoreContract((): StoreUnderTest => ({
      store,
      windowMs: WINDOW_MS,
      slackMs: 150,
      advance: (ms) => sleep(ms),
    })));

  void it('keeps each counter as one key under the prefix, expiring with its window', async () => {
    await store.reserve(
      [
        { key: 'signin:phone:13800000001', max: 5 },
        { key: 'signin:addr:10.0.0.1', max: 100 },
      ],
      60_000,
    );
    assert.equal(await redis.get(`${prefix}signin:phone:13800000001`), '1');
    assert.equal(await redis.get(`${prefix}signin:addr:10.0.0.1`), '1');
    const ttl = await redis.pttl(`${prefix}signin:phone:13800000001`);
    assert.ok(ttl > 55_000 && ttl <= 60_000, `ttl ${ttl}`);
    await store.clear(['signin:phone:13800000001', 'signin:addr:10.0.0.1']);
    assert.equal(await redis.exists(`${prefix}signin:phone:13800000001`), 0);
  });

  void it('answers 10500 when Redis cannot be reached', async () => {
    const nowhere = new RedisAttemptStore(`redis://127.0.0.1:${await freePort()}`, prefix);
    try {
      await assert.rejects(
        nowhere.reserve([{ key: 'signin:phone:1', max: 5 }], WINDOW_MS),
        (error: unknown) => error instanceof GimError && error.code === ErrorCode.Unavailable,
      );
    } finally {
      await nowhere.close();
    }
  });
});
