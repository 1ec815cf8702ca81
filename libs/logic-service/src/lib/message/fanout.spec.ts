import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ConsoleLogger, Logger, LoggerService } from '@nestjs/common';
import { Channels, MemoryBus } from '@gim/bus';
import { Message, MessageCommand, PacketCommand } from '@gim/protocol';
import { ChannelTap, settle } from '../../../test/logic-harness';
import { MemoryPresence } from '../presence/memory-presence';
import { OnlineDevice } from '../presence/presence';
import { Fanout } from './fanout';
import { MessageBody } from './message';

const body = (text = 'hello'): MessageBody => ({
  command: MessageCommand.MC_USER_CHAT,
  content: Buffer.from(text),
  createdAt: 1_700_000_000_000,
  messageId: 10_042,
});

/** What a receiver of `body` with `seq` decodes. */
const message = (seq: number, text = 'hello'): Message => ({ ...body(text), seq, roomId: 0 });

/** Presence whose store is down. */
class FailingPresence extends MemoryPresence {
  override async onlineDevices(): Promise<OnlineDevice[]> {
    throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  }
}

/** A bus whose publishes fail. */
class FailingBus extends MemoryBus {
  override async publishMany(): Promise<void> {
    throw new Error('Connection is closed.');
  }
}

/** Collects what Nest loggers write. */
function recordLogs(): { warnings: string[]; errors: string[] } & LoggerService {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    log: () => undefined,
    warn: (line: unknown) => warnings.push(String(line)),
    error: (line: unknown) => errors.push(String(line)),
  };
}

void describe('Fanout', () => {
  let bus: MemoryBus;
  let presence: MemoryPresence;
  const channels = new Channels('t:');
  let fanout: Fanout;
  let gw1: ChannelTap;
  let gw2: ChannelTap;

  beforeEach(async () => {
    bus = new MemoryBus();
    presence = new MemoryPresence();
    fanout = new Fanout(bus, channels, presence);
    await presence.renewLease('gw1', 30);
    await presence.renewLease('gw2', 30);
    gw1 = await ChannelTap.on(bus, channels.gateway('gw1'));
    gw2 = await ChannelTap.on(bus, channels.gateway('gw2'));
  });

  void it('publishes one batch per gateway, with one push per user and gateway holding all its devices there', async () => {
    await presence.setOnline(1, 11, { gatewayId: 'gw1', connId: 1 });
    await presence.setOnline(1, 12, { gatewayId: 'gw1', connId: 2 });
    await presence.setOnline(1, 13, { gatewayId: 'gw2', connId: 1 });
    await presence.setOnline(2, 21, { gatewayId: 'gw1', connId: 3 });

    await fanout.toUsers([
      { userId: 1, seq: 7, body: body() },
      { userId: 2, seq: 3, body: body() },
    ]);
    await settle();

    assert.equal(gw1.batches.length, 1);
    assert.equal(gw2.batches.length, 1);
    const atGw1 = gw1.pushes();
    assert.deepEqual(
      atGw1.map((push) => [push.deviceIds.sort(), push.message.seq]),
      [
        [[11, 12], 7],
        [[21], 3],
      ],
    );
    assert.deepEqual(
      gw2.pushes().map((push) => [push.deviceIds, push.message.seq]),
      [[[13], 7]],
    );
    assert.deepEqual(gw1.kicks(), []);
  });

  void it('merges the deliveries asked for together (a group commit) into one batch, each message once per device', async () => {
    await presence.setOnline(1, 11, { gatewayId: 'gw1', connId: 1 });
    await presence.setOnline(2, 21, { gatewayId: 'gw1', connId: 2 });
    await Promise.all([
      fanout.toUsers([{ userId: 1, seq: 1, body: body() }]),
      fanout.toUsers([
        { userId: 1, seq: 2, body: body() },
        { userId: 2, seq: 1, body: body() },
      ]),
      fanout.toUsers([{ userId: 1, seq: 3, body: body() }]),
    ]);
    await settle();
    assert.equal(gw1.batches.length, 1, 'one publish for everything asked in the same I/O phase');
    assert.deepEqual(
      gw1.pushes().map((push) => [push.deviceIds, push.message.seq]),
      [
        [[11], 1],
        [[11], 2],
        [[21], 1],
        [[11], 3],
      ],
      'a user with several messages in the batch gets each once, not once per message of the batch',
    );
  });

  void it("encodes a message once for all its receivers and gateways; each device gets its user's seq in a PC_MESSAGE", async () => {
    await presence.setOnline(1, 11, { gatewayId: 'gw1', connId: 1 });
    await presence.setOnline(1, 12, { gatewayId: 'gw1', connId: 2 });
    await presence.setOnline(1, 13, { gatewayId: 'gw2', connId: 1 });
    await presence.setOnline(2, 21, { gatewayId: 'gw1', connId: 3 });

    const shared = body('same bytes');
    const encode = mock.method(Message, 'encode');
    try {
      await fanout.toUsers([
        { userId: 1, seq: 9, body: shared },
        { userId: 2, seq: 4, body: shared },
      ]);
      assert.equal(encode.mock.callCount(), 1);
    } finally {
      encode.mock.restore();
    }
    await settle();

    const [atGw1] = gw1.batches;
    assert.equal(atGw1?.seqPushes.length, 1, 'one message on the gateway, whatever its receivers');
    assert.deepEqual(atGw1?.seqPushes[0]?.targets, [
      { deviceId: 11, seq: 9 },
      { deviceId: 12, seq: 9 },
      { deviceId: 21, seq: 4 },
    ]);
    assert.deepEqual(gw1.batches[0]?.seqPushes[0]?.message, gw2.batches[0]?.seqPushes[0]?.message);
    const pushes = [...gw1.pushes(), ...gw2.pushes()];
    assert.deepEqual(
      pushes.map((push) => [push.deviceIds, push.packet.command, push.packet.seq, push.packet.requestId]),
      [
        [[11, 12], PacketCommand.PC_MESSAGE, 9, ''],
        [[21], PacketCommand.PC_MESSAGE, 4, ''],
        [[13], PacketCommand.PC_MESSAGE, 9, ''],
      ],
    );
    assert.deepEqual(pushes[0]?.message, message(9, 'same bytes'));
    assert.deepEqual(pushes[1]?.message, message(4, 'same bytes'));
  });

  void it('skips devices on a gateway whose lease is gone and still delivers to the others', async () => {
    const stale = await ChannelTap.on(bus, channels.gateway('gw-stale'));
    await presence.setOnline(1, 11, { gatewayId: 'gw1', connId: 1 });
    await presence.setOnline(1, 14, { gatewayId: 'gw-stale', connId: 1 });
    await presence.setOnline(2, 21, { gatewayId: 'gw-stale', connId: 2 });

    await fanout.toUsers([
      { userId: 1, seq: 1, body: body() },
      { userId: 2, seq: 1, body: body() },
    ]);
    await settle();

    assert.deepEqual(stale.batches, []);
    assert.deepEqual(
      gw1.pushes().map((push) => push.deviceIds),
      [[11]],
    );
  });

  void it('publishes nothing when none of the users is online', async () => {
    await presence.setOnline(3, 31, { gatewayId: 'gw1', connId: 1 });
    await fanout.toUsers([{ userId: 1, seq: 1, body: body() }]);
    await settle();
    assert.deepEqual([...gw1.batches, ...gw2.batches], []);
  });

  void describe('when a dependency is down', () => {
    let logs: ReturnType<typeof recordLogs>;

    beforeEach(() => {
      logs = recordLogs();
      Logger.overrideLogger(logs);
    });

    afterEach(() => {
      Logger.overrideLogger(new ConsoleLogger());
    });

    void it('resolves without pushing when presence fails, and logs the outage once per burst', async () => {
      const down = new Fanout(bus, channels, new FailingPresence());
      await down.toUsers([{ userId: 1, seq: 1, body: body() }]);
      await down.toUsers([{ userId: 1, seq: 2, body: body() }]);
      await settle();
      assert.deepEqual([...gw1.batches, ...gw2.batches], []);
      assert.equal(logs.warnings.length, 1, logs.warnings.join('\n'));
      assert.match(logs.warnings[0]!, /fan-out unavailable: connect ECONNREFUSED.*receivers will sync/);
    });

    void it('resolves when publishing fails', async () => {
      await presence.setOnline(1, 11, { gatewayId: 'gw1', connId: 1 });
      const down = new Fanout(new FailingBus(), channels, presence);
      await down.toUsers([{ userId: 1, seq: 1, body: body() }]);
      assert.equal(logs.warnings.length, 1);
      assert.match(logs.warnings[0]!, /Connection is closed/);
    });
  });

  void it('sends a message for everyone as one batch on the broadcast channel, for all devices', async () => {
    const everyone = await ChannelTap.on(bus, channels.broadcast());
    await fanout.toAll(7, { ...message(0, 'to all'), messageId: 0 });
    await settle();
    assert.equal(everyone.batches.length, 1);
    const [push] = everyone.pushes();
    assert.deepEqual(push?.deviceIds, []);
    assert.deepEqual(push?.message, { ...message(0, 'to all'), messageId: 0 });
    assert.deepEqual([...gw1.batches, ...gw2.batches], []);
  });

  void it("asks one gateway to close one connection, on that gateway's channel only", async () => {
    const kick = { deviceId: 11, connId: 5, code: 10405, reason: 'elsewhere' };
    await fanout.kick('gw2', kick);
    await settle();
    assert.ok((gw2.batches[0]?.publishedAtUs ?? 0) > 0, 'stamped with its publish time');
    assert.deepEqual(
      gw2.batches.map(({ publishedAtUs: _, ...batch }) => batch),
      [{ pushes: [], kicks: [kick], appCloses: [], roomJoins: [], seqPushes: [] }],
    );
    assert.deepEqual(gw1.batches, []);
  });

  void it("asks one gateway to move one connection into a room, on that gateway's channel only", async () => {
    const join = { deviceId: 11, connId: 5, roomId: 77, seq: 9 };
    await fanout.roomJoin('gw1', join);
    await settle();
    assert.deepEqual(
      gw1.batches.map(({ publishedAtUs: _, ...batch }) => batch),
      [{ pushes: [], kicks: [], appCloses: [], roomJoins: [join], seqPushes: [] }],
    );
    assert.deepEqual(gw2.batches, []);
  });
});
