// Removes the Redis keys a test suite wrote under its own prefix (SCAN, never KEYS or FLUSH*).
import { Redis } from 'ioredis';
import { testRedisUrl } from '@gim/testing';

/** Deletes every key under `prefix` in the test Redis; returns how many there were. */
export async function deleteKeysUnder(prefix: string): Promise<number> {
  const redis = new Redis(testRedisUrl());
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
