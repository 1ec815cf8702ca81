import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisBus } from '@gim/bus';
import { testRedisUrl, uniquePrefix } from '@gim/testing';
import { framedPush, publish, pushed, startTestGateway, TestGateway } from '../../test/gateway-scenarios';

void describe('gateway fan-out over Redis pub/sub', { timeout: 30_000 }, () => {
  const prefix = uniquePrefix('gateway-fanout');
  let gatewayBus: RedisBus;
  let publisher: RedisBus;
  let t: TestGateway;

  before(async () => {
    gatewayBus = new RedisBus(testRedisUrl());
    publisher = new RedisBus(testRedisUrl());
    t = await startTestGateway('tcp', { bus: gatewayBus, prefix });
  });
  after(async () => {
    await t.stop();
    await gatewayBus.close();
    await publisher.close();
  });

  void it('delivers a batch another process publishes on the gateway channel and on the broadcast channel', async () => {
    const client = await t.connect();
    assert.equal((await client.signIn(400, 4000)).code, 0);
    await publish(publisher, t.channels.gateway(t.gateway.gatewayId), [framedPush([4000], 1, 'via redis')]);
    assert.equal((await pushed(client)).content.toString(), 'via redis');
    await publish(publisher, t.channels.broadcast(), [framedPush([], 2, 'to all via redis')]);
    assert.equal((await pushed(client)).content.toString(), 'to all via redis');
    client.close();
  });
});
