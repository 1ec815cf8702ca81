import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channels, MemoryBus } from '@gim/bus';
import { connectInt } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import {
  decodePacket,
  FrameDecoder,
  Message,
  MessageCommand,
  Packet,
  PacketCommand,
  Reply,
  SendMessageReply,
  SendMessageRequest,
  SignInRequest,
  SubscribeRoomReply,
  SubscribeRoomRequest,
} from '@gim/protocol';
import { RecordingTransport, settle, testCore } from '../../../test/fakes';
import { BusRoomFeed } from '../fanout.subscriber';
import { TCP_FRAMING } from './framing';
import { RoomFeed } from './rooms';

const APP = 1;

/** A bus room feed that also counts the channels it listens to. */
function countingFeed(inner: RoomFeed): RoomFeed & { active: Map<string, number> } {
  const active = new Map<string, number>();
  return {
    active,
    async subscribe(appId, roomId, handler) {
      await inner.subscribe(appId, roomId, handler);
      active.set(`${appId}:${roomId}`, (active.get(`${appId}:${roomId}`) ?? 0) + 1);
    },
    async unsubscribe(appId, roomId, handler) {
      await inner.unsubscribe(appId, roomId, handler);
      const left = (active.get(`${appId}:${roomId}`) ?? 0) - 1;
      if (left > 0) active.set(`${appId}:${roomId}`, left);
      else active.delete(`${appId}:${roomId}`);
    },
  };
}

async function gateway() {
  const bus = new MemoryBus();
  const channels = new Channels('test:');
  const feed = countingFeed(new BusRoomFeed(bus, channels));
  const setup = testCore({ framing: TCP_FRAMING, roomFeed: feed });
  return { ...setup, bus, channels, feed };
}

async function connect(setup: Awaited<ReturnType<typeof gateway>>, userId: number, deviceId: number) {
  const transport = new RecordingTransport();
  const conn = setup.core.open(transport, '10.0.0.1:5000');
  setup.core.receive(conn, {
    requestId: 'sign-in',
    command: PacketCommand.PC_SIGN_IN,
    content: Buffer.from(SignInRequest.encode({ userId, deviceId, token: `token-${userId}` }).finish()),
    seq: 0,
  });
  await settle();
  setup.flush();
  transport.writes.length = 0;
  return { transport, conn };
}

/** Every packet the transport got, TCP frames decoded. */
function packets(transport: RecordingTransport): Packet[] {
  const decoder = new FrameDecoder();
  return transport.writes.flat().flatMap((chunk) => decoder.push(chunk).map((body) => decodePacket(body)));
}

function roomMessage(roomId: number, seq: number, text: string): Message {
  return {
    command: MessageCommand.MC_UNKNOWN,
    content: Buffer.from(text),
    seq,
    createdAt: 5,
    roomId,
    messageId: 0,
  };
}

function batch(...messages: Message[]): Buffer {
  return Buffer.from(
    connectInt.RoomBatch.encode({
      messages: messages.map((m) => Buffer.from(Message.encode(m).finish())),
    }).finish(),
  );
}

function subscribe(roomId: number, seq: number, requestId = 'sub'): Packet {
  return {
    requestId,
    command: PacketCommand.PC_SUBSCRIBE_ROOM,
    content: Buffer.from(SubscribeRoomRequest.encode({ roomId, seq }).finish()),
    seq: 0,
  };
}

/** What a client sees: the subscribe replies and the room messages' texts, in order. */
function seen(transport: RecordingTransport): string[] {
  return packets(transport).map((packet) => {
    if (packet.command === PacketCommand.PC_MESSAGE) return Message.decode(packet.content).content.toString();
    const reply = Reply.decode(packet.content);
    if (packet.command === PacketCommand.PC_SUBSCRIBE_ROOM) {
      const data = SubscribeRoomReply.decode(reply.data);
      return `reply ${reply.code} room ${data.roomId} last ${data.lastSeq} missed ${data.missed}`;
    }
    return `reply ${packet.command} ${reply.code}`;
  });
}

void describe('Rooms', () => {
  void it('replies, replays the history after the seq, then what arrived meanwhile without duplicates, then live', async () => {
    const setup = await gateway();
    const { transport, conn } = await connect(setup, 1, 11);
    let open: () => void = () => undefined;
    setup.logic.historyGate = new Promise((resolve) => (open = resolve));
    setup.logic.historyPages.push(
      {
        messages: [roomMessage(7, 11, 'h11'), roomMessage(7, 12, 'h12')],
        hasMore: true,
        firstSeq: 1,
        lastSeq: 13,
        missed: false,
        lost: false,
      },
      {
        messages: [roomMessage(7, 13, 'h13')],
        hasMore: false,
        firstSeq: 1,
        lastSeq: 13,
        missed: false,
        lost: false,
      },
    );
    setup.core.receive(conn, subscribe(7, 10));
    await settle();
    assert.deepEqual([...setup.feed.active], [['1:7', 1]], 'listening before the history is read');
    const channel = setup.channels.room(APP, 7);
    await setup.bus.publish(channel, batch(roomMessage(7, 13, 'l13'), roomMessage(7, 14, 'l14')));
    await settle();
    open();
    await settle();
    await settle();
    setup.flush();
    await setup.bus.publish(channel, batch(roomMessage(7, 15, 'l15')));
    await settle();
    setup.flush();
    assert.deepEqual(seen(transport), [
      'reply 0 room 7 last 13 missed false',
      'h11',
      'h12',
      'h13',
      'l14',
      'l15',
    ]);
    assert.deepEqual(
      setup.logic.historyReads.map((read) => [read.appId, read.roomId, read.seq]),
      [
        [APP, 7, 10],
        [APP, 7, 12],
      ],
    );
    assert.deepEqual(
      packets(transport)
        .filter((packet) => packet.command === PacketCommand.PC_MESSAGE)
        .map((packet) => packet.seq),
      [11, 12, 13, 14, 15],
      'each push carries its room seq',
    );
  });

  void it('tells a joiner that messages are gone with 10231, still subscribed', async () => {
    const setup = await gateway();
    const { transport, conn } = await connect(setup, 1, 11);
    setup.logic.historyPages.push({
      messages: [roomMessage(7, 50, 'h50')],
      hasMore: false,
      firstSeq: 50,
      lastSeq: 50,
      missed: true,
      lost: false,
    });
    setup.core.receive(conn, subscribe(7, 3));
    await settle();
    await settle();
    setup.flush();
    assert.deepEqual(seen(transport), ['reply 10231 room 7 last 50 missed true', 'h50']);
    await setup.bus.publish(setup.channels.room(APP, 7), batch(roomMessage(7, 51, 'l51')));
    await settle();
    setup.flush();
    assert.deepEqual(seen(transport).slice(2), ['l51']);
  });

  void it('writes one buffer per live batch, the same bytes to every subscriber, and listens only while someone is in', async () => {
    const setup = await gateway();
    const a = await connect(setup, 1, 11);
    const b = await connect(setup, 2, 21);
    setup.core.receive(a.conn, subscribe(7, 0));
    setup.core.receive(b.conn, subscribe(7, 0));
    await settle();
    await settle();
    setup.flush();
    a.transport.writes.length = 0;
    b.transport.writes.length = 0;
    await setup.bus.publish(
      setup.channels.room(APP, 7),
      batch(roomMessage(7, 1, 'x'), roomMessage(7, 2, 'y')),
    );
    await setup.bus.publish(setup.channels.room(APP, 8), batch(roomMessage(8, 1, 'other room')));
    await settle();
    setup.flush();
    assert.equal(a.transport.writes.length, 1);
    assert.equal(a.transport.writes[0]?.length, 1, 'both messages in one buffer');
    assert.equal(a.transport.writes[0]?.[0], b.transport.writes[0]?.[0], 'the very same buffer for both');
    assert.deepEqual(seen(a.transport), ['x', 'y']);

    setup.core.receive(a.conn, subscribe(0, 0, 'leave'));
    await settle();
    setup.flush();
    assert.deepEqual(seen(a.transport).slice(2), ['reply 0 room 0 last 0 missed false']);
    assert.deepEqual([...setup.feed.active], [['1:7', 1]], 'b is still in');
    setup.core.kick(21, 0, ErrorCode.SignedInElsewhere, 'kicked');
    await settle();
    assert.deepEqual([...setup.feed.active], [], 'the last one out stops the channel');
    assert.equal(setup.core.rooms.count, 0);
  });

  void it('leaves the room when the connection closes, and joining another room leaves the first', async () => {
    const setup = await gateway();
    const a = await connect(setup, 1, 11);
    setup.core.receive(a.conn, subscribe(7, 0));
    await settle();
    setup.core.receive(a.conn, subscribe(8, 0));
    await settle();
    await settle();
    assert.deepEqual([...setup.feed.active], [['1:8', 1]]);
    setup.core.closed(a.conn);
    await settle();
    assert.deepEqual([...setup.feed.active], []);
  });

  void it('sends to the room the connection is in only, with the connection app', async () => {
    const setup = await gateway();
    setup.logic.appOfUser.set(1, 4);
    const { transport, conn } = await connect(setup, 1, 11);
    const send = (roomId: number, requestId: string): Packet => ({
      requestId,
      command: PacketCommand.PC_SEND_MESSAGE,
      content: Buffer.from(
        SendMessageRequest.encode({
          clientMsgId: 'c',
          toUserId: 0,
          toGroupId: 0,
          toRoomId: roomId,
          content: Buffer.from('hi'),
        }).finish(),
      ),
      seq: 0,
    });
    setup.core.receive(conn, send(7, 'before'));
    setup.core.receive(conn, subscribe(7, 0));
    await settle();
    await settle();
    setup.core.receive(conn, send(7, 'in'));
    setup.core.receive(conn, send(9, 'other'));
    await settle();
    setup.flush();
    const replies = packets(transport)
      .filter((packet) => packet.command === PacketCommand.PC_SEND_MESSAGE)
      .map((packet) => [packet.requestId, Reply.decode(packet.content)] as const);
    const byRequest = new Map(replies);
    assert.deepEqual([...byRequest].map(([requestId, reply]) => [requestId, reply.code]).sort(), [
      ['before', ErrorCode.RoomNotJoined],
      ['in', 0],
      ['other', ErrorCode.RoomNotJoined],
    ]);
    assert.equal(SendMessageReply.decode(byRequest.get('in')?.data ?? Buffer.alloc(0)).seq, 1);
    assert.deepEqual(
      setup.logic.roomSends.map((s) => [s.userId, s.deviceId, s.appId, s.roomId, s.clientMsgId]),
      [[1, 11, 4, 7, 'c']],
    );
  });

  void it('moves a connection into a room when an integrator asks, with an unsolicited reply', async () => {
    const setup = await gateway();
    const { transport, conn } = await connect(setup, 1, 11);
    setup.core.roomJoin({ deviceId: 11, connId: conn.id, roomId: 7, seq: 0 });
    setup.core.roomJoin({ deviceId: 99, connId: conn.id, roomId: 8, seq: 0 });
    await settle();
    await settle();
    setup.flush();
    const [reply] = packets(transport);
    assert.deepEqual([reply?.requestId, reply?.command], ['', PacketCommand.PC_SUBSCRIBE_ROOM]);
    assert.deepEqual([...setup.feed.active], [['1:7', 1]], 'a join naming another device is ignored');
  });

  void it('refuses a malformed subscribe with 10001', async () => {
    const setup = await gateway();
    const { transport, conn } = await connect(setup, 1, 11);
    setup.core.receive(conn, {
      requestId: 'bad',
      command: PacketCommand.PC_SUBSCRIBE_ROOM,
      content: Buffer.from([0xff, 0xff]),
      seq: 0,
    });
    await settle();
    setup.flush();
    assert.deepEqual(seen(transport), [`reply ${ErrorCode.BadRequest} room 0 last 0 missed false`]);
  });
});
