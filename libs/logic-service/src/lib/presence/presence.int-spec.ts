import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { testRedisUrl, uniquePrefix } from '@gim/testing';
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
  });
}
