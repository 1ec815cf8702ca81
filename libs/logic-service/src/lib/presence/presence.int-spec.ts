import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ErrorCode, GimError } from '@gim/errors';
import { freePort, testRedisUrl, uniquePrefix } from '@gim/testing';
import { MemoryPresence } from './memory-presence';
import { PresenceStore } from './presence';
import { RedisPresence } from './redis-presence';

const prefix = uniquePrefix('presence');
const stores: Array<[string, () => PresenceStore]> = [
  ['Redis', () => new RedisPresence(testRedisUrl(), prefix)],
  ['memory', () => new MemoryPresence()],
];

for (const [name, create] of stores) {
  describe(`presence in ${name}`, () => {
    let presence: PresenceStore;

    before(() => {
      presence = create();
    });

    after(async () => {
      await presence.close();
      const redis = new Redis(testRedisUrl());
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    it('lists devices only while their gateway holds a lease', async () => {
      await presence.renewLease('gw-a', 30);
      await presence.setOnline(1, 11, { gatewayId: 'gw-a', connId: 1 });
      await presence.setOnline(1, 12, { gatewayId: 'gw-b', connId: 7 });
      await presence.setOnline(2, 21, { gatewayId: 'gw-a', connId: 2 });
      const online = await presence.onlineDevices([1, 2, 3]);
      assert.deepEqual(
        online.map((d) => [d.userId, d.deviceId, d.gatewayId, d.connId]).sort(),
        [
          [1, 11, 'gw-a', 1],
          [2, 21, 'gw-a', 2],
        ],
        'gw-b has no lease, so device 12 is not online',
      );
      await presence.renewLease('gw-a', 0);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.deepEqual(await presence.onlineDevices([1, 2]), [], 'an ended lease takes its devices offline');
    });

    it('returns the previous location and lets only the current connection go offline', async () => {
      await presence.renewLease('gw-c', 30);
      assert.equal(await presence.setOnline(5, 51, { gatewayId: 'gw-c', connId: 1 }), undefined);
      assert.deepEqual(await presence.setOnline(5, 51, { gatewayId: 'gw-c', connId: 2 }), {
        gatewayId: 'gw-c',
        connId: 1,
      });
      await presence.setOffline(5, 51, { gatewayId: 'gw-c', connId: 1 });
      assert.equal(
        (await presence.onlineDevices([5])).length,
        1,
        'the stale connection closing does not remove the new one',
      );
      await presence.setOffline(5, 51, { gatewayId: 'gw-c', connId: 2 });
      assert.deepEqual(await presence.onlineDevices([5]), []);
    });

    it('reports a renewal as restored when the lease did not exist before it', async () => {
      assert.equal(await presence.renewLease('gw-d', 30), true, 'the first renewal');
      assert.equal(await presence.renewLease('gw-d', 30), false, 'a renewal of a live lease');
      await presence.renewLease('gw-d', 0);
      assert.equal(await presence.renewLease('gw-d', 30), true, 'a renewal after the lease ended');
      assert.equal(await presence.renewLease('gw-d', 0), false, 'dropping a lease restores nothing');
    });

    it('re-records held connections and reports those whose device is elsewhere by now', async () => {
      await presence.renewLease('gw-e', 30);
      await presence.renewLease('gw-f', 30);
      await presence.setOnline(7, 71, { gatewayId: 'gw-e', connId: 1 });
      await presence.setOnline(7, 72, { gatewayId: 'gw-f', connId: 9 });
      await presence.setOnline(8, 81, { gatewayId: 'gw-e', connId: 4 });
      const moved = await presence.restore('gw-e', [
        { userId: 7, deviceId: 71, connId: 1 },
        { userId: 7, deviceId: 72, connId: 2 },
        { userId: 7, deviceId: 73, connId: 3 },
        { userId: 8, deviceId: 81, connId: 3 },
        { userId: 9, deviceId: 91, connId: 5 },
      ]);
      assert.deepEqual(
        moved,
        [
          { userId: 7, deviceId: 72, connId: 2 },
          { userId: 8, deviceId: 81, connId: 3 },
        ],
        'a device recorded at another gateway or connection keeps that location',
      );
      assert.deepEqual(
        (await presence.onlineDevices([7, 8, 9]))
          .map((d) => [d.userId, d.deviceId, d.gatewayId, d.connId])
          .sort(),
        [
          [7, 71, 'gw-e', 1],
          [7, 72, 'gw-f', 9],
          [7, 73, 'gw-e', 3],
          [8, 81, 'gw-e', 4],
          [9, 91, 'gw-e', 5],
        ],
      );
      assert.deepEqual(await presence.restore('gw-e', []), []);
    });
  });
}

describe('presence in Redis after the data is lost', () => {
  const lossPrefix = uniquePrefix('presence-loss');
  let presence: RedisPresence;
  let redis: Redis;

  before(() => {
    presence = new RedisPresence(testRedisUrl(), lossPrefix);
    redis = new Redis(testRedisUrl());
  });

  after(async () => {
    await presence.close();
    const keys = await redis.keys(`${lossPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('reports restored once the lease key is gone and restores more connections than one pipeline holds', async () => {
    assert.equal(await presence.renewLease('gw-x', 30), true);
    const held = Array.from({ length: 1_200 }, (_, index) => ({
      userId: 1_000 + index,
      deviceId: 5_000 + index,
      connId: index + 1,
    }));
    for (const { userId, deviceId, connId } of held.slice(0, 3))
      await presence.setOnline(userId, deviceId, { gatewayId: 'gw-x', connId });
    const keys = await redis.keys(`${lossPrefix}*`);
    await redis.del(...keys);
    assert.equal(await presence.renewLease('gw-x', 30), true, 'the lease key vanished with the data');
    assert.equal(await presence.renewLease('gw-x', 30), false);
    assert.deepEqual(await presence.onlineDevices([1_000]), [], 'the presence hashes are gone');
    assert.deepEqual(await presence.restore('gw-x', held), []);
    const online = await presence.onlineDevices(held.map((each) => each.userId));
    assert.equal(online.length, held.length);
    assert.deepEqual(online.at(-1), { userId: 2_199, deviceId: 6_199, gatewayId: 'gw-x', connId: 1_200 });
  });

  it('turns an unreachable Redis into a retryable 10500', async () => {
    const down = new RedisPresence(`redis://127.0.0.1:${await freePort()}`, lossPrefix);
    try {
      const isUnavailable = (error: unknown) =>
        error instanceof GimError && error.code === ErrorCode.Unavailable;
      await assert.rejects(down.renewLease('gw-y', 30), isUnavailable);
      await assert.rejects(down.restore('gw-y', [{ userId: 1, deviceId: 2, connId: 3 }]), isUnavailable);
      await assert.rejects(down.onlineDevices([1]), isUnavailable);
      await assert.rejects(down.setOnline(1, 2, { gatewayId: 'gw-y', connId: 3 }), isUnavailable);
    } finally {
      await down.close();
    }
  });
});
