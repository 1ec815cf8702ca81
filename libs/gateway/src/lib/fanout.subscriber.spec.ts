import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channels, MemoryBus } from '@gim/bus';
import { connectInt } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import {
  decodePacket,
  encodePacket,
  FrameDecoder,
  Message,
  MessageCommand,
  messagePacket,
  PacketCommand,
  SignInRequest,
} from '@gim/protocol';
import { RecordingTransport, settle, testCore } from '../../test/fakes';
import { TCP_FRAMING } from './core/framing';
import { SILENT_LOGGER } from './core/logger';
import { FanoutSubscriber } from './fanout.subscriber';

const channels = new Channels('test:');

function pushPacket(seq: number): Buffer {
  return encodePacket(
    messagePacket({
      command: MessageCommand.MC_USER_MESSAGE,
      content: Buffer.from(`m${seq}`),
      seq,
      createdAt: 1,
      roomId: 0,
      messageId: seq,
    }),
  );
}

function batch(
  pushes: Array<Omit<connectInt.FramedPush, 'appId'> & { appId?: number }>,
  kicks: connectInt.Kick[] = [],
  appCloses: connectInt.AppClose[] = [],
): Buffer {
  const framed = pushes.map((push) => ({ appId: 0, ...push }));
  return Buffer.from(
    connectInt.GatewayBatch.encode({
      pushes: framed,
      kicks,
      appCloses,
      roomJoins: [],
      seqPushes: [],
      publishedAtUs: 0,
    }).finish(),
  );
}

async function gatewayWithDevices(
  deviceIds: number[],
  gatewayId = 'gw-a',
  bus = new MemoryBus(),
  appOfUser = new Map<number, number>(),
) {
  const setup = testCore({ framing: TCP_FRAMING, gatewayId });
  for (const [userId, appId] of appOfUser) setup.logic.appOfUser.set(userId, appId);
  const transports = new Map<number, RecordingTransport>();
  for (const deviceId of deviceIds) {
    const transport = new RecordingTransport();
    const conn = setup.core.open(transport, `device-${deviceId}`);
    const content = Buffer.from(
      SignInRequest.encode({ userId: deviceId, deviceId, token: `token-${deviceId}` }).finish(),
    );
    setup.core.receive(conn, { requestId: 's', command: PacketCommand.PC_SIGN_IN, content, seq: 0 });
    transports.set(deviceId, transport);
  }
  await settle();
  setup.flush();
  for (const transport of transports.values()) transport.writes.length = 0;
  const subscriber = new FanoutSubscriber(bus, channels, gatewayId, setup.core, SILENT_LOGGER);
  await subscriber.start();
  return { ...setup, bus, transports, subscriber };
}

void describe('FanoutSubscriber', () => {
  void it("gives each device of a message encoded once its own user's seq, in the packet and in the message", async () => {
    const { bus, transports, flush } = await gatewayWithDevices([1, 2, 3]);
    const shared = {
      command: MessageCommand.MC_GROUP_CHAT,
      content: Buffer.from('to the group'),
      seq: 0,
      createdAt: 1,
      roomId: 0,
      messageId: 77,
    };
    const payload = connectInt.GatewayBatch.encode({
      pushes: [],
      kicks: [],
      appCloses: [],
      roomJoins: [],
      publishedAtUs: 0,
      seqPushes: [
        {
          message: Buffer.from(Message.encode(shared).finish()),
          targets: [
            { deviceId: 1, seq: 5 },
            { deviceId: 2, seq: 7 },
            { deviceId: 404, seq: 1 },
          ],
        },
      ],
    }).finish();
    await bus.publish(channels.gateway('gw-a'), Buffer.from(payload));
    await settle();
    flush();
    const received = (deviceId: number) => {
      const decoder = new FrameDecoder();
      return (transports.get(deviceId)?.writes.flat() ?? [])
        .flatMap((chunk) => decoder.push(chunk))
        .map((frame) => decodePacket(frame));
    };
    const [one] = received(1);
    const [two] = received(2);
    assert.deepEqual([one?.command, one?.seq], [PacketCommand.PC_MESSAGE, 5]);
    assert.deepEqual(Message.decode(one?.content ?? Buffer.alloc(0)), { ...shared, seq: 5 });
    assert.deepEqual(Message.decode(two?.content ?? Buffer.alloc(0)), { ...shared, seq: 7 });
    assert.deepEqual(received(3), []);
  });

  void it('frames a push once and writes the same buffer to every targeted device only', async () => {
    const { bus, transports, flush } = await gatewayWithDevices([1, 2, 3]);
    const packet = pushPacket(9);
    await bus.publish(channels.gateway('gw-a'), batch([{ deviceIds: [1, 2, 404], packet }]));
    await settle();
    flush();
    const [one, two, three] = [transports.get(1)!, transports.get(2)!, transports.get(3)!];
    assert.equal(one.writes.length, 1);
    assert.equal(two.writes.length, 1);
    assert.equal(three.writes.length, 0);
    assert.equal(one.writes[0]![0], two.writes[0]![0], 'the very same Buffer object went to both sockets');
    assert.deepEqual(one.writes[0]![0], TCP_FRAMING.wrap(packet));
  });

  void it('sends a broadcast push without device ids to every signed-in connection', async () => {
    const { bus, transports, core, flush } = await gatewayWithDevices([1, 2]);
    const stranger = new RecordingTransport();
    core.open(stranger, 'not signed in');
    await bus.publish(channels.broadcast(), batch([{ deviceIds: [], packet: pushPacket(1) }]));
    await bus.publish(channels.gateway('gw-a'), batch([{ deviceIds: [], packet: pushPacket(2) }]));
    await settle();
    flush();
    assert.equal(transports.get(1)!.writes.flat().length, 1);
    assert.equal(transports.get(2)!.writes.flat().length, 1);
    assert.equal(stranger.writes.length, 0);
  });

  void it("sends an app's broadcast only to that app's connections, and closes an app's connections", async () => {
    const apps = new Map([
      [1, 10_000],
      [2, 10_001],
      [3, 10_000],
    ]);
    const { bus, transports, flush } = await gatewayWithDevices([1, 2, 3], 'gw-a', new MemoryBus(), apps);
    await bus.publish(channels.broadcast(), batch([{ deviceIds: [], packet: pushPacket(1), appId: 10_000 }]));
    await settle();
    flush();
    assert.deepEqual(
      [1, 2, 3].map((device) => transports.get(device)!.writes.flat().length),
      [1, 0, 1],
    );
    await bus.publish(
      channels.broadcast(),
      batch([], [], [{ appId: 10_001, code: ErrorCode.AppDisabled, reason: 'app 10001 is disabled' }]),
    );
    await settle();
    flush();
    assert.deepEqual(transports.get(2)!.ended, {
      code: ErrorCode.AppDisabled,
      reason: 'app 10001 is disabled',
    });
    assert.equal(transports.get(1)!.ended, undefined);
    assert.equal(transports.get(3)!.ended, undefined);
  });

  void it('closes the connection a kick names by device and connection id', async () => {
    const { bus, transports, core, flush } = await gatewayWithDevices([1, 2]);
    const connId = core.registry.device(1)!.id;
    const kicks = [
      { deviceId: 2, connId, code: ErrorCode.SignedInElsewhere, reason: 'wrong pair, ignored' },
      { deviceId: 1, connId, code: ErrorCode.SignedInElsewhere, reason: 'signed in on another gateway' },
    ];
    await bus.publish(channels.gateway('gw-a'), batch([], kicks));
    await settle();
    flush();
    const first = transports.get(1)!;
    assert.deepEqual(first.ended, {
      code: ErrorCode.SignedInElsewhere,
      reason: 'signed in on another gateway',
    });
    assert.equal(transports.get(2)!.ended, undefined);
  });

  void it('lets two gateways on one in-process bus share the broadcast channel, and leave it', async () => {
    const bus = new MemoryBus();
    const a = await gatewayWithDevices([1], 'gw-a', bus);
    const b = await gatewayWithDevices([2], 'gw-b', bus);
    await bus.publish(channels.broadcast(), batch([{ deviceIds: [], packet: pushPacket(1) }]));
    await settle();
    a.flush();
    b.flush();
    assert.equal(a.transports.get(1)!.writes.length, 1);
    assert.equal(b.transports.get(2)!.writes.length, 1);
    await a.subscriber.stop();
    await bus.publish(channels.broadcast(), batch([{ deviceIds: [], packet: pushPacket(2) }]));
    await settle();
    a.flush();
    b.flush();
    assert.equal(a.transports.get(1)!.writes.length, 1);
    assert.equal(b.transports.get(2)!.writes.length, 2);
  });

  void it('drops a payload that is not a GatewayBatch', async () => {
    const { subscriber, transports, flush } = await gatewayWithDevices([1]);
    subscriber.deliver(Buffer.from([0xff, 0xff, 0xff, 0xff]), true);
    flush();
    assert.equal(transports.get(1)!.writes.length, 0);
  });
});
