import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { logicPush } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { MessageCommand } from '@gim/protocol';
import {
  ChannelTap,
  LogicStorage,
  LogicWorld,
  openLogicStorage,
  settle,
  testConfig,
} from '../../../test/logic-harness';
import { Database } from '@gim/storage';
import { DeviceNames } from '../device/device-names';
import { GroupRole } from '../group/group';
import { GroupDelivery } from '../group/group-delivery';
import { GroupRepository } from '../group/group.repository';
import { GroupUseCases } from '../group/group.usecases';
import { SendUserMessageRequest } from './message.requests';
import { SendUserMessageUseCase } from './send-user-message.usecase';

const ALICE = 1001;
const ALICE_PHONE = 11;
const ALICE_LAPTOP = 12;
const BOB = 1002;
const BOB_PHONE = 21;
const CAROL = 1003;

/** The group repository, able to change the membership right after a send has read its recipients. */
class RacedGroups extends GroupRepository {
  /** Runs once, after the next read of a group's members and before the send stores its message. */
  afterRecipients: (() => Promise<void>) | undefined;

  override async memberIds(groupId: number): Promise<number[]> {
    const ids = await super.memberIds(groupId);
    const change = this.afterRecipients;
    this.afterRecipients = undefined;
    await change?.();
    return ids;
  }
}

const failsWith = (code: ErrorCode) => (error: unknown) => {
  assert.ok(error instanceof GimError, `expected a GimError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return true;
};

void describe('SendUserMessageUseCase', () => {
  let storage: LogicStorage;
  let world: LogicWorld;
  let gw1: ChannelTap;
  let gw2: ChannelTap;
  let send: SendUserMessageUseCase;

  const request = (overrides: Partial<SendUserMessageRequest> = {}): SendUserMessageRequest => ({
    userId: ALICE,
    deviceId: ALICE_PHONE,
    toUserId: BOB,
    toGroupId: 0,
    clientMsgId: '',
    content: Buffer.from('hi bob'),
    ...overrides,
  });

  const nothingStoredOrPushed = async () => {
    await settle();
    assert.equal(await storage.messages.currentSeq(ALICE), 0);
    assert.equal(await storage.messages.currentSeq(BOB), 0);
    assert.deepEqual(await storage.messages.inbox(BOB, 0, 10), []);
    assert.deepEqual(world.published(), []);
  };

  beforeEach(async () => {
    storage = await openLogicStorage('send-user-message');
    world = new LogicWorld();
    world.business.addUser(ALICE, 'alice');
    world.business.addUser(BOB, 'bob');
    world.business.addUser(CAROL, 'carol');
    gw1 = await world.gateway('gw1');
    gw2 = await world.gateway('gw2');
    await world.online(ALICE, ALICE_PHONE, 'gw1');
    await world.online(ALICE, ALICE_LAPTOP, 'gw2');
    await world.online(BOB, BOB_PHONE, 'gw2');
    const config = testConfig({ GIM_MAX_CONTENT_BYTES: '64' });
    const names = new DeviceNames(storage.devices);
    const groups = new GroupUseCases(
      config,
      new GroupRepository(Database.of(storage.dataSource)),
      world.users,
      new GroupDelivery(storage.store, world.fanout),
      names,
      world.fanout,
    );
    send = new SendUserMessageUseCase(
      config,
      storage.store,
      world.users,
      names,
      world.fanout,
      groups,
      world.policy,
    );
  });

  afterEach(async () => {
    await world.close();
    await storage.close();
  });

  void it('refuses an empty body and one over GIM_MAX_CONTENT_BYTES with 10001, storing and pushing nothing', async () => {
    await assert.rejects(
      send.execute(request({ content: Buffer.alloc(0) })),
      failsWith(ErrorCode.BadRequest),
    );
    await assert.rejects(
      send.execute(request({ content: Buffer.alloc(65) })),
      failsWith(ErrorCode.BadRequest),
    );
    await nothingStoredOrPushed();
    const largest = await send.execute(request({ content: Buffer.alloc(64, 1) }));
    assert.equal(largest.seq, 1, 'a body of exactly the limit is accepted');
  });

  void it('refuses an unknown sender or receiver with 10301, storing and pushing nothing', async () => {
    await assert.rejects(send.execute(request({ userId: 4040 })), failsWith(ErrorCode.UserNotFound));
    await assert.rejects(send.execute(request({ toUserId: 4040 })), failsWith(ErrorCode.UserNotFound));
    await nothingStoredOrPushed();
  });

  void it('asks business once for the sends of an I/O phase and stores none it refuses (10210, 10213)', async () => {
    world.friends.refusals.set(`${ALICE}:${BOB}`, ErrorCode.FriendNotFound);
    world.friends.refusals.set(`${ALICE}:${CAROL}`, ErrorCode.Blocked);
    const results = await Promise.allSettled([
      send.execute(request({ clientMsgId: 'to-bob' })),
      send.execute(request({ clientMsgId: 'to-carol', toUserId: CAROL })),
      send.execute(request({ clientMsgId: 'to-self', toUserId: ALICE })),
    ]);
    assert.deepEqual(
      results.map((result) => (result.status === 'rejected' ? (result.reason as GimError).code : 0)),
      [ErrorCode.FriendNotFound, ErrorCode.Blocked, 0],
    );
    assert.equal(
      world.friends.calls.length,
      1,
      'one CheckSends for the phase; a note to oneself is not asked about',
    );
    assert.deepEqual(await storage.messages.inbox(BOB, 0, 10), []);
    assert.deepEqual(await storage.messages.inbox(CAROL, 0, 10), []);
  });

  void it("pushes to every online device of both users, each with that user's seq and the same message id", async () => {
    await send.execute(request({ userId: CAROL, deviceId: 31, content: Buffer.from('earlier') }));
    await settle();
    gw2.batches.length = 0;

    const sent = await send.execute(request({ clientMsgId: 'm-1' }));
    await settle();

    assert.equal(sent.seq, 1, "the reply carries the sender's own seq");
    assert.ok(sent.messageId >= 10_000);
    const phone = gw1.pushes();
    assert.deepEqual(
      phone.map((push) => push.deviceIds),
      [[ALICE_PHONE]],
      'the sending device too',
    );
    const laptopAndBob = gw2.pushes();
    assert.deepEqual(laptopAndBob.map((push) => [push.deviceIds, push.message.seq]).sort(), [
      [[ALICE_LAPTOP], 1],
      [[BOB_PHONE], 2],
    ]);
    for (const push of [...phone, ...laptopAndBob]) {
      assert.equal(push.message.messageId, sent.messageId);
      assert.equal(push.message.createdAt, sent.createdAt);
      assert.equal(push.message.command, MessageCommand.MC_USER_CHAT);
      assert.equal(push.packet.seq, push.message.seq);
      const body = logicPush.UserMessagePush.decode(push.message.content);
      assert.equal(body.toUserId, BOB);
      assert.deepEqual(body.content, Buffer.from('hi bob'));
      assert.deepEqual(body.fromUser, {
        userId: ALICE,
        deviceId: ALICE_PHONE,
        nickname: 'alice',
        avatarUrl: `https://avatars.test/${ALICE}.png`,
        extra: '',
      });
    }
    const [inSync] = await storage.messages.inbox(BOB, 1, 10);
    assert.equal(inSync?.messageId, sent.messageId, "the receiver's sync holds the same message");
    assert.equal(inSync?.seq, 2);
  });

  void it('answers a retry with the same client id with the first result, storing and pushing nothing more', async () => {
    const first = await send.execute(request({ clientMsgId: 'retry-me' }));
    await settle();
    const pushed = world.published().length;

    const retry = await send.execute(request({ clientMsgId: 'retry-me', content: Buffer.from('resent') }));
    await settle();

    assert.deepEqual(retry, first);
    assert.equal(world.published().length, pushed, 'a retry pushes nothing');
    assert.equal(await storage.messages.currentSeq(ALICE), 1);
    assert.equal(await storage.messages.currentSeq(BOB), 1);
    const other = await send.execute(request({ userId: CAROL, deviceId: 31, clientMsgId: 'retry-me' }));
    assert.notEqual(other.messageId, first.messageId, 'client ids are per sender');
  });

  void it('does not deduplicate sends without a client id', async () => {
    const first = await send.execute(request());
    const second = await send.execute(request());
    await settle();
    assert.notEqual(second.messageId, first.messageId);
    assert.deepEqual([first.seq, second.seq], [1, 2]);
    assert.deepEqual(
      (await storage.messages.inbox(BOB, 0, 10)).map((message) => message.messageId),
      [first.messageId, second.messageId],
    );
    assert.equal(gw2.pushes().filter((push) => push.deviceIds.includes(BOB_PHONE)).length, 2);
  });

  void it('gives a message to oneself one seq and one push per device', async () => {
    const sent = await send.execute(request({ toUserId: ALICE }));
    await settle();
    assert.equal(sent.seq, 1);
    assert.equal(await storage.messages.currentSeq(ALICE), 1);
    assert.deepEqual(
      [...gw1.pushes(), ...gw2.pushes()].map((push) => [push.deviceIds, push.message.seq]),
      [
        [[ALICE_PHONE], 1],
        [[ALICE_LAPTOP], 1],
      ],
    );
  });
});

void describe('SendUserMessageUseCase to a group whose membership changes while the message is stored', () => {
  let storage: LogicStorage;
  let world: LogicWorld;
  let groupRepository: RacedGroups;
  let groups: GroupUseCases;
  let send: SendUserMessageUseCase;
  let groupId: number;
  const integrator = { kind: 'integrator', appId: 1 } as const;

  const toGroup = (userId: number, clientMsgId: string): SendUserMessageRequest => ({
    userId,
    deviceId: userId * 10,
    toUserId: 0,
    toGroupId: groupId,
    clientMsgId,
    content: Buffer.from(`from ${userId}`),
  });
  const commands = async (userId: number) =>
    (await storage.messages.inbox(userId, 0, 100)).map((message) => message.command);

  beforeEach(async () => {
    storage = await openLogicStorage('send-group-message');
    world = new LogicWorld();
    for (const [userId, name] of [
      [ALICE, 'alice'],
      [BOB, 'bob'],
      [CAROL, 'carol'],
    ] as const)
      world.business.addUser(userId, name);
    const config = testConfig({ GIM_GROUP_MAX_MEMBERS: '5' });
    const names = new DeviceNames(storage.devices);
    groupRepository = new RacedGroups(Database.of(storage.dataSource));
    groups = new GroupUseCases(
      config,
      groupRepository,
      world.users,
      new GroupDelivery(storage.store, world.fanout),
      names,
      world.fanout,
    );
    send = new SendUserMessageUseCase(
      config,
      storage.store,
      world.users,
      names,
      world.fanout,
      groups,
      world.policy,
    );
    groupId = await groups.create(
      { kind: 'user', appId: 1, userId: ALICE, deviceId: ALICE_PHONE },
      { name: 'race', avatarUrl: '', introduction: '', extra: '' },
      [BOB, CAROL],
    );
  });

  afterEach(async () => {
    await world.close();
    await storage.close();
  });

  void it('goes to the members of its commit: a member removed meanwhile gets only the notice', async () => {
    groupRepository.afterRecipients = () => groups.removeMember(integrator, groupId, CAROL);
    const sent = await send.execute(toGroup(ALICE, 'after-carol'));
    assert.deepEqual(await commands(CAROL), [
      MessageCommand.MC_ADD_GROUP_MEMBERS,
      MessageCommand.MC_REMOVE_GROUP_MEMBER,
    ]);
    assert.deepEqual(await commands(BOB), [
      MessageCommand.MC_ADD_GROUP_MEMBERS,
      MessageCommand.MC_REMOVE_GROUP_MEMBER,
      MessageCommand.MC_GROUP_CHAT,
    ]);
    assert.equal(sent.seq, 3, "the sender's seqs stay contiguous: none was taken by the first try");
    assert.deepEqual(await storage.messages.findSend(ALICE, 'after-carol'), sent);
  });

  void it('refuses a sender removed meanwhile with 10201 and a group dissolved meanwhile with 10221, storing nothing', async () => {
    groupRepository.afterRecipients = async () => {
      await groupRepository.removeMembers(groupId, [BOB]);
    };
    await assert.rejects(send.execute(toGroup(BOB, 'bob-late')), failsWith(ErrorCode.UserNotInGroup));
    groupRepository.afterRecipients = () =>
      groups.dissolve({ kind: 'user', appId: 1, userId: ALICE, deviceId: ALICE_PHONE }, groupId);
    await assert.rejects(send.execute(toGroup(CAROL, 'carol-late')), failsWith(ErrorCode.GroupDissolved));
    for (const userId of [ALICE, BOB, CAROL])
      assert.ok(
        !(await commands(userId)).includes(MessageCommand.MC_GROUP_CHAT),
        `nothing reached ${userId}`,
      );
    assert.equal(await storage.messages.currentSeq(BOB), 1, 'the removed sender took no seq');
    assert.equal(await storage.messages.findSend(BOB, 'bob-late'), undefined);
  });

  void it('changes no role for a member who left meanwhile: a transfer to one leaves the owner in place (10202)', async () => {
    await groupRepository.removeMembers(groupId, [BOB]);
    await assert.rejects(
      groupRepository.transfer(groupId, ALICE, BOB),
      failsWith(ErrorCode.GroupMemberNotFound),
    );
    assert.equal((await groupRepository.member(groupId, ALICE))?.role, GroupRole.Owner);
    await assert.rejects(
      groupRepository.setRole(groupId, BOB, GroupRole.Admin),
      failsWith(ErrorCode.GroupMemberNotFound),
    );
    await groupRepository.setRole(groupId, CAROL, GroupRole.Admin);
    assert.equal((await groupRepository.member(groupId, CAROL))?.role, GroupRole.Admin);
  });

  void it('answers 10501 when the membership keeps changing, storing nothing', async () => {
    const churn = async (): Promise<void> => {
      await groupRepository.removeMembers(groupId, [CAROL]);
      await groupRepository.addMembers(groupId, [{ userId: CAROL, role: 2, nickname: '', extra: '' }], 5);
      groupRepository.afterRecipients = churn;
    };
    groupRepository.afterRecipients = churn;
    await assert.rejects(send.execute(toGroup(ALICE, 'never')), failsWith(ErrorCode.Busy));
    groupRepository.afterRecipients = undefined;
    assert.deepEqual(
      await Promise.all([ALICE, BOB, CAROL].map((userId) => storage.messages.currentSeq(userId))),
      [1, 1, 1],
    );
  });
});
