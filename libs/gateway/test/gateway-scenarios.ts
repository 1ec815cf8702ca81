// Behaviour both transports share, run against a real gateway (real sockets, real gRPC, a MemoryBus)
// whose logic is the LogicTestDouble.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Channels, FanoutBus, MemoryBus } from '@gim/bus';
import { loadConfig } from '@gim/config';
import { connectInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import {
  AckRequest,
  encodeFrame,
  encodePacket,
  encodePacketFrame,
  Message,
  MessageCommand,
  messagePacket,
  PacketCommand,
  Reply,
  SendMessageReply,
  SendMessageRequest,
  SyncReply,
  SyncRequest,
} from '@gim/protocol';
import { createGrpcClient } from '@gim/rpc';
import { freePort } from '@gim/testing';
import { GatewayConfig, GatewayTransport, RunningGateway, startGateway } from '../src';
import { PacketClient, rawSocket, TcpTestClient, WsTestClient } from './clients';
import { LogicTestDouble } from './logic-test-double';

/** The internal credential of the test gateways. */
export const TEST_SECRET = 'gateway-integration-test-secret';
/** Largest frame the test gateways accept. */
export const TEST_MAX_FRAME_BYTES = 8_192;
/** Sign-in timeout of the test gateways. */
export const TEST_SIGN_IN_TIMEOUT_MS = 600;

/** A running gateway plus what the tests need around it. */
export interface TestGateway {
  transport: GatewayTransport;
  gateway: RunningGateway;
  logic: LogicTestDouble;
  bus: FanoutBus;
  channels: Channels;
  grpcAddress: string;
  connect(query?: string): Promise<PacketClient>;
  stop(): Promise<void>;
}

/** What a test gateway may share with others or take from the test. */
export interface TestGatewayOptions {
  /** A logic double to reuse (a fresh one otherwise, stopped with the gateway). */
  logic?: LogicTestDouble;
  /** The bus (a fresh MemoryBus otherwise). */
  bus?: FanoutBus;
  /** The bus channel prefix; 'it:' by default. */
  prefix?: string;
  /** Gateway variables that override the test defaults. */
  env?: Record<string, string>;
}

/** Starts a gateway on ephemeral ports against a LogicTestDouble. */
export async function startTestGateway(
  transport: GatewayTransport,
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const logic = options.logic ?? (await LogicTestDouble.start(TEST_SECRET));
  const grpcAddress = `127.0.0.1:${await freePort()}`;
  const bus = options.bus ?? new MemoryBus();
  const prefix = options.prefix ?? 'it:';
  const config = loadConfig(GatewayConfig, {
    GIM_GATEWAY_LISTEN: '127.0.0.1:0',
    GIM_OPS_LISTEN: '127.0.0.1:0',
    GIM_GATEWAY_GRPC_URL: grpcAddress,
    GIM_LOGIC_GRPC_ADDR: logic.address,
    GIM_REDIS_PREFIX: prefix,
    GIM_MAX_FRAME_BYTES: String(TEST_MAX_FRAME_BYTES),
    GIM_SIGN_IN_TIMEOUT_MS: String(TEST_SIGN_IN_TIMEOUT_MS),
    GIM_SWEEP_INTERVAL_MS: '50',
    GIM_SEND_QUEUE_MAX_BYTES: '262144',
    GIM_DRAIN_WINDOW_MS: '200',
    GIM_LOG_LEVEL: 'error',
    ...options.env,
  });
  const gateway = await startGateway(config, { transport, internalSecret: TEST_SECRET, bus });
  return {
    transport,
    gateway,
    logic,
    bus,
    channels: new Channels(prefix),
    grpcAddress,
    connect: (query = '') =>
      transport === 'tcp'
        ? TcpTestClient.connect(gateway.clientPort)
        : WsTestClient.connect(gateway.clientPort, query),
    stop: async () => {
      await gateway.close();
      if (options.logic === undefined) logic.stop();
    },
  };
}

function message(seq: number, text: string): Message {
  return {
    command: MessageCommand.MC_USER_MESSAGE,
    content: Buffer.from(text),
    seq,
    createdAt: 1_700_000_000_000 + seq,
    roomId: 0,
    messageId: 5_000 + seq,
  };
}

/** A FramedPush of a user message with `seq` and `text` for `deviceIds`. */
export function framedPush(deviceIds: number[], seq: number, text: string): connectInt.FramedPush {
  return { deviceIds, packet: encodePacket(messagePacket(message(seq, text))), appId: 0 };
}

/** Publishes a GatewayBatch of `pushes` on `channel`. */
export async function publish(
  bus: FanoutBus,
  channel: string,
  pushes: connectInt.FramedPush[],
): Promise<void> {
  await bus.publish(
    channel,
    Buffer.from(
      connectInt.GatewayBatch.encode({
        pushes,
        kicks: [],
        appCloses: [],
        roomJoins: [],
        seqPushes: [],
        publishedAtUs: 0,
      }).finish(),
    ),
  );
}

/** The next PC_MESSAGE push a client receives. */
export async function pushed(client: PacketClient): Promise<Message> {
  const packet = await client.take((p) => p.command === PacketCommand.PC_MESSAGE && p.requestId === '');
  const decoded = Message.decode(packet.content);
  assert.equal(packet.seq, decoded.seq);
  return decoded;
}

async function signedIn(t: TestGateway, userId: number, deviceId: number): Promise<PacketClient> {
  const client = await t.connect();
  assert.equal((await client.signIn(userId, deviceId)).code, 0);
  return client;
}

/** A client whose device is signed in and which answers a heartbeat. */
export async function assertServes(client: PacketClient): Promise<void> {
  assert.equal((await client.request(PacketCommand.PC_HEARTBEAT)).code, 0);
}

/** Registers the tests both transports share; `t` returns the suite's gateway. */
export function sharedScenarios(t: () => TestGateway): void {
  void it('renews its lease at logic on start', () => {
    const lease = t().logic.leases.find((each) => each.gatewayId === t().gateway.gatewayId);
    assert.equal(lease?.leaseSeconds, 30);
  });

  void it('answers a packet before sign-in with 10000 and still accepts the sign-in', async () => {
    const client = await t().connect();
    const reply = await client.request(PacketCommand.PC_HEARTBEAT, undefined, 'too-early');
    assert.equal(reply.code, ErrorCode.Unauthorized);
    assert.equal((await client.signIn(100, 1000)).code, 0);
    await assertServes(client);
    client.close();
  });

  void it('closes a connection that does not sign in in time with PC_CLOSE 10403', async () => {
    const started = Date.now();
    const client = await t().connect();
    assert.equal((await client.closeNotice()).code, ErrorCode.SignInTimeout);
    await client.closed;
    assert.ok(Date.now() - started >= TEST_SIGN_IN_TIMEOUT_MS - 10, 'never before the deadline');
  });

  void it('refuses a wrong token with a 10000 reply and PC_CLOSE, then closes', async () => {
    const client = await t().connect();
    assert.equal((await client.signIn(101, 1010, 'not-the-token')).code, ErrorCode.Unauthorized);
    assert.equal((await client.closeNotice()).code, ErrorCode.Unauthorized);
    await client.closed;
  });

  void it('sends, syncs and acks through logic as the signed-in device', async () => {
    const { logic } = t();
    const client = await signedIn(t(), 102, 1020);
    const sendReply = await client.request(
      PacketCommand.PC_SEND_MESSAGE,
      SendMessageRequest.encode({
        clientMsgId: 'c-1',
        toUserId: 103,
        toGroupId: 0,
        toRoomId: 0,
        content: Buffer.from('hello'),
      }).finish(),
    );
    assert.equal(sendReply.code, 0);
    const sent = SendMessageReply.decode(sendReply.data);
    assert.equal(sent.createdAt, 1_700_000_000_000);
    assert.deepEqual(logic.sends.at(-1), {
      userId: 102,
      deviceId: 1020,
      toUserId: 103,
      toGroupId: 0,
      clientMsgId: 'c-1',
      content: Buffer.from('hello'),
    });

    const missing = await client.request(
      PacketCommand.PC_SEND_MESSAGE,
      SendMessageRequest.encode({
        clientMsgId: 'c-2',
        toUserId: 404,
        toGroupId: 0,
        toRoomId: 0,
        content: Buffer.from('x'),
      }).finish(),
    );
    assert.equal(missing.code, ErrorCode.UserNotFound);

    logic.syncMessages = [message(1, 'one'), message(2, 'two')];
    const syncReply = await client.request(
      PacketCommand.PC_SYNC,
      SyncRequest.encode({ seq: 0, limit: 10 }).finish(),
    );
    assert.equal(syncReply.code, 0);
    assert.deepEqual(SyncReply.decode(syncReply.data), { messages: logic.syncMessages, hasMore: false });
    assert.deepEqual(logic.syncs.at(-1), { userId: 102, deviceId: 1020, seq: 0, limit: 10 });

    assert.equal(
      (await client.request(PacketCommand.PC_ACK, AckRequest.encode({ seq: 2 }).finish())).code,
      0,
    );
    assert.deepEqual(logic.acks.at(-1), { userId: 102, deviceId: 1020, seq: 2 });
    client.close();
  });

  void it('answers a packet whose seq is above 2^53-1 with 10001 and keeps serving the connection', async () => {
    const client = await signedIn(t(), 111, 1110);
    const empty = Buffer.alloc(0);
    const bigSeq = Buffer.concat([
      encodePacket({ requestId: 'big-seq', command: PacketCommand.PC_HEARTBEAT, content: empty, seq: 0 }),
      Buffer.from([0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // seq = 2^64-1
    ]);
    const next = { requestId: 'after-big-seq', command: PacketCommand.PC_HEARTBEAT, content: empty, seq: 0 };
    if (t().transport === 'tcp') {
      client.sendRaw(Buffer.concat([encodeFrame(bigSeq), encodePacketFrame(next)])); // one write, two frames
    } else {
      client.sendRaw(bigSeq);
      client.send(next);
    }
    const refused = await client.take((p) => p.requestId === 'big-seq');
    assert.equal(refused.command, PacketCommand.PC_HEARTBEAT);
    assert.equal(Reply.decode(refused.content).code, ErrorCode.BadRequest);
    assert.equal(Reply.decode((await client.take((p) => p.requestId === 'after-big-seq')).content).code, 0);
    await assertServes(client);
    assert.equal(client.isGone, false);
    client.close();
  });

  void it('kicks the older connection of a device with PC_CLOSE 10405 when it signs in again', async () => {
    const { logic } = t();
    const older = await signedIn(t(), 104, 1040);
    const olderConnId = logic.lastConnId(1040);
    const newer = await signedIn(t(), 104, 1040);
    const notice = await older.closeNotice();
    assert.equal(notice.code, ErrorCode.SignedInElsewhere);
    assert.equal(notice.reason, 'signed in on another connection');
    await older.closed;
    await logic.until(() => logic.offlines.some((offline) => offline.connId === olderConnId));
    await assertServes(newer);
    newer.close();
  });

  void it('delivers a FramedPush from the bus to the targeted device, and a broadcast to everyone', async () => {
    const test = t();
    const a = await signedIn(test, 105, 1050);
    const b = await signedIn(test, 106, 1060);
    await publish(test.bus, test.channels.gateway(test.gateway.gatewayId), [framedPush([1050], 1, 'for a')]);
    assert.equal((await pushed(a)).content.toString(), 'for a');
    await publish(test.bus, test.channels.broadcast(), [framedPush([], 2, 'for all')]);
    assert.equal((await pushed(a)).content.toString(), 'for all');
    assert.equal((await pushed(b)).content.toString(), 'for all');
    assert.equal(b.inbox.length, 0, 'b never got the push meant for a');
    a.close();
    b.close();
  });

  void it('serves PushToDevices over gRPC only with the internal credential', async () => {
    const test = t();
    const client = await signedIn(test, 107, 1070);
    const options = {
      address: test.grpcAddress,
      files: ['connect/connect.int.proto'],
      service: 'connect.ConnectIntService',
    };
    const trusted = createGrpcClient<connectInt.ConnectIntServiceClient>({
      ...options,
      internalSecret: TEST_SECRET,
    });
    const anonymous = createGrpcClient<connectInt.ConnectIntServiceClient>(options);
    try {
      await trusted.pushToDevices({
        deviceMessages: [
          { deviceId: 1070, message: message(7, 'direct') },
          { deviceId: 9999, message: message(8, 'nobody') },
        ],
      });
      const received = await pushed(client);
      assert.equal(received.content.toString(), 'direct');
      assert.equal(received.seq, 7);
      await assert.rejects(
        anonymous.pushToDevices({ deviceMessages: [{ deviceId: 1070, message: message(9, 'forged') }] }),
        (error: unknown) => error instanceof GimError && error.code === ErrorCode.Unauthorized,
      );
      await assertServes(client);
      assert.equal(client.inbox.length, 0, 'the unauthenticated push was not delivered');
    } finally {
      trusted.close();
      anonymous.close();
      client.close();
    }
  });

  void it('disconnects a client that stops reading as a slow consumer and keeps serving others', async () => {
    const test = t();
    const { logic } = test;
    const healthy = await signedIn(test, 108, 1080);
    const slow = await signedIn(test, 109, 1090);
    const slowConnId = logic.lastConnId(1090);
    slow.stopReading();
    const channel = test.channels.gateway(test.gateway.gatewayId);
    const body = 'x'.repeat(4_000);
    const slowIsOffline = (): boolean => logic.offlines.some((offline) => offline.connId === slowConnId);
    let seq = 0;
    for (let round = 0; round < 5_000 && !slowIsOffline(); round++) {
      await publish(
        test.bus,
        channel,
        Array.from({ length: 10 }, () => framedPush([1080, 1090], ++seq, body)),
      );
      await new Promise((resolve) => setTimeout(resolve, 1));
      healthy.inbox.length = 0;
    }
    await logic.until(slowIsOffline);
    const pushedBytes = seq * body.length;
    assert.ok(
      pushedBytes > 4 * 262_144,
      `the socket buffers absorbed the first pushes (${pushedBytes} bytes pushed)`,
    );
    assert.ok(pushedBytes < 200_000_000, 'the slow client was cut off long before the end');
    await assertServes(healthy);
    await publish(test.bus, channel, [framedPush([1080], ++seq, 'still here')]);
    await healthy.take(
      (p) =>
        p.command === PacketCommand.PC_MESSAGE &&
        Message.decode(p.content).content.toString() === 'still here',
    );
    slow.close();
    healthy.close();
  });

  void it('on close refuses new clients at once, sends PC_CLOSE 10407 with returns spread over the window and drops its lease', async () => {
    const windowMs = 600;
    const other = await startTestGateway(t().transport, {
      logic: t().logic,
      env: { GIM_DRAIN_WINDOW_MS: String(windowMs) },
    });
    const devices = [1100, 1101, 1102];
    const clients: PacketClient[] = [];
    for (const [index, deviceId] of devices.entries()) {
      const client = await other.connect();
      assert.equal((await client.signIn(110 + index, deviceId)).code, 0);
      clients.push(client);
    }
    const began = Date.now();
    const stopping = other.stop();
    await assert.rejects(rawSocket(other.gateway.clientPort), /ECONNREFUSED/);
    const returns = await Promise.all(
      clients.map(async (client) => {
        const notice = await client.closeNotice();
        assert.equal(notice.code, ErrorCode.ServerShutdown);
        return Date.now() - began + notice.reconnectAfterMs;
      }),
    );
    await Promise.all(clients.map((client) => client.closed));
    await stopping;
    returns.forEach((at, index) => {
      const expected = (index * windowMs) / devices.length;
      assert.ok(
        at >= expected && at < expected + 150,
        `client ${index} comes back at ${at} ms, not ${expected}`,
      );
    });
    const leases = t().logic.leases.filter((lease) => lease.gatewayId === other.gateway.gatewayId);
    assert.deepEqual(
      leases.map((lease) => lease.leaseSeconds),
      [30, 0],
    );
    for (const deviceId of devices) {
      assert.ok(
        t().logic.offlines.some((offline) => offline.deviceId === deviceId),
        `Offline ${deviceId}`,
      );
    }
  });
}
