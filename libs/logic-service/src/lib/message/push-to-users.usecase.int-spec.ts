import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import {
  ChannelTap,
  LogicStorage,
  LogicWorld,
  openLogicStorage,
  settle,
  testConfig,
} from '../../../test/logic-harness';
import { GroupDelivery } from '../group/group-delivery';
import { PushToAllRequest, PushToUsersRequest } from './message.requests';
import { PushToAllUseCase, PushToUsersUseCase } from './push-to-users.usecase';

const COMMAND = 1_000;
const config = testConfig({ GIM_MAX_CONTENT_BYTES: '32' });

const isBadRequest = (error: unknown) => {
  assert.ok(error instanceof GimError, `expected a GimError, got ${String(error)}`);
  assert.equal(error.code, ErrorCode.BadRequest, error.message);
  return true;
};

void describe('PushToUsersUseCase / PushToAllUseCase', () => {
  let storage: LogicStorage;
  let world: LogicWorld;
  let gw1: ChannelTap;
  let gw2: ChannelTap;
  let push: PushToUsersUseCase;

  const request = (overrides: Partial<PushToUsersRequest> = {}): PushToUsersRequest => ({
    userIds: [1, 2],
    command: COMMAND,
    content: Buffer.from('notice'),
    isPersist: true,
    appId: 0,
    ...overrides,
  });

  beforeEach(async () => {
    storage = await openLogicStorage('push-to-users');
    world = new LogicWorld();
    gw1 = await world.gateway('gw1');
    gw2 = await world.gateway('gw2');
    await world.online(1, 11, 'gw1');
    await world.online(1, 12, 'gw2');
    await world.online(2, 21, 'gw2');
    for (const userId of [1, 2, 3]) world.business.addUser(userId);
    push = new PushToUsersUseCase(
      config,
      new GroupDelivery(storage.store, world.fanout),
      world.fanout,
      world.users,
    );
  });

  afterEach(async () => {
    await world.close();
    await storage.close();
  });

  void it("persisted: stores the message once with a seq in each user's inbox and pushes it with that seq", async () => {
    await push.execute(1, request({ userIds: [2] }));
    await settle();
    gw2.batches.length = 0;

    const messageId = await push.execute(1, request());
    await settle();

    assert.ok(messageId >= 10_000);
    const pushes = [...gw1.pushes(), ...gw2.pushes()];
    assert.deepEqual(
      pushes.map((each) => [each.deviceIds, each.message.seq]),
      [
        [[11], 1],
        [[12], 1],
        [[21], 2],
      ],
    );
    for (const each of pushes) {
      assert.equal(each.message.messageId, messageId);
      assert.equal(each.message.command, COMMAND);
      assert.deepEqual(each.message.content, Buffer.from('notice'));
    }
    const [inbox1] = await storage.messages.inbox(1, 0, 10);
    const [inbox2] = await storage.messages.inbox(2, 1, 10);
    assert.deepEqual(
      [inbox1?.messageId, inbox1?.seq, inbox2?.messageId, inbox2?.seq],
      [messageId, 1, messageId, 2],
    );
  });

  void it('persisted: reaches offline users through their inbox', async () => {
    const messageId = await push.execute(1, request({ userIds: [3] }));
    await settle();
    assert.deepEqual(world.published(), []);
    assert.deepEqual(
      (await storage.messages.inbox(3, 0, 10)).map((message) => [message.seq, message.messageId]),
      [[1, messageId]],
    );
  });

  void it('not persisted: returns 0, pushes with seq 0 and message id 0, stores nothing', async () => {
    const messageId = await push.execute(1, request({ isPersist: false }));
    await settle();

    assert.equal(messageId, 0);
    const pushes = [...gw1.pushes(), ...gw2.pushes()];
    assert.deepEqual(
      pushes
        .flatMap((each) =>
          each.deviceIds.map((deviceId) => [
            deviceId,
            each.message.seq,
            each.message.messageId,
            each.packet.seq,
          ]),
        )
        .sort(),
      [
        [11, 0, 0, 0],
        [12, 0, 0, 0],
        [21, 0, 0, 0],
      ],
    );
    assert.equal(await storage.messages.currentSeq(1), 0);
    assert.deepEqual(await storage.messages.inbox(2, 0, 10), []);
  });

  void it('counts a user named twice once: one seq and one push per device', async () => {
    await push.execute(1, request({ userIds: [1, 2, 1] }));
    await push.execute(1, request({ userIds: [2, 2], isPersist: false }));
    await settle();

    assert.equal(await storage.messages.currentSeq(1), 1);
    assert.equal((await storage.messages.inbox(1, 0, 10)).length, 1);
    const byDevice = (deviceId: number) =>
      [...gw1.pushes(), ...gw2.pushes()]
        .filter((each) => each.deviceIds.includes(deviceId))
        .map((each) => each.message.seq);
    assert.deepEqual(byDevice(11), [1]);
    assert.deepEqual(byDevice(21), [1, 0]);
    for (const each of [...gw1.pushes(), ...gw2.pushes()]) {
      assert.equal(new Set(each.deviceIds).size, each.deviceIds.length);
    }
  });

  void it('refuses an empty or oversized body with 10001, persisted or not, storing and pushing nothing', async () => {
    for (const isPersist of [true, false]) {
      await assert.rejects(push.execute(1, request({ isPersist, content: Buffer.alloc(0) })), isBadRequest);
      await assert.rejects(push.execute(1, request({ isPersist, content: Buffer.alloc(33) })), isBadRequest);
    }
    await settle();
    assert.deepEqual(world.published(), []);
    assert.equal(await storage.messages.currentSeq(1), 0);
    assert.ok((await push.execute(1, request({ content: Buffer.alloc(32) }))) > 0);
  });

  void describe('PushToAllUseCase', () => {
    let everyone: ChannelTap;
    let pushAll: PushToAllUseCase;
    const all = (content: Buffer): PushToAllRequest => ({ command: COMMAND, content });

    beforeEach(async () => {
      everyone = await world.tap(world.channels.broadcast());
      pushAll = new PushToAllUseCase(config, world.fanout);
    });

    void it('publishes one batch for every device, seq 0 and message id 0, and stores nothing', async () => {
      const before = Date.now();
      await pushAll.execute(1, all(Buffer.from('maintenance at noon')));
      await settle();

      assert.equal(everyone.batches.length, 1);
      const [only] = everyone.pushes();
      assert.deepEqual(only?.deviceIds, []);
      assert.equal(only?.message.seq, 0);
      assert.equal(only?.message.messageId, 0);
      assert.equal(only?.message.command, COMMAND);
      assert.deepEqual(only?.message.content, Buffer.from('maintenance at noon'));
      assert.ok((only?.message.createdAt ?? 0) >= before);
      assert.deepEqual([...gw1.batches, ...gw2.batches], []);
      assert.equal(await storage.messages.currentSeq(1), 0);
    });

    void it('refuses an empty or oversized body with 10001 and publishes nothing', async () => {
      await assert.rejects(pushAll.execute(1, all(Buffer.alloc(0))), isBadRequest);
      await assert.rejects(pushAll.execute(1, all(Buffer.alloc(33))), isBadRequest);
      await settle();
      assert.deepEqual(everyone.batches, []);
    });
  });
});
