import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import {
  MessageCommand,
  messagePacket,
  encodePacket,
  Packet,
  PacketCommand,
  SendMessageReply,
  SendMessageRequest,
  SignInRequest,
} from '@gim/protocol';
import { RecordingTransport, settle, testCore } from '../../../test/fakes';

function packet(command: number, content: Uint8Array = new Uint8Array(), requestId = `r${command}`): Packet {
  return { requestId, command, content: Buffer.from(content), seq: 0 };
}

function signInPacket(
  userId: number,
  deviceId: number,
  token = `token-${userId}`,
  requestId = 'sign-in',
): Packet {
  return packet(
    PacketCommand.PC_SIGN_IN,
    SignInRequest.encode({ userId, deviceId, token }).finish(),
    requestId,
  );
}

async function signedIn(userId = 1, deviceId = 11) {
  const setup = testCore();
  const transport = new RecordingTransport();
  const conn = setup.core.open(transport, '10.0.0.1:5000');
  setup.core.receive(conn, signInPacket(userId, deviceId));
  await settle();
  setup.flush();
  assert.equal(conn.state, 'signed-in');
  transport.writes.length = 0;
  return { ...setup, transport, conn };
}

void describe('PacketRouter', () => {
  void it('answers every packet but PC_SIGN_IN with 10000 before sign-in and keeps the connection', async () => {
    const { core, flush, logic } = testCore();
    const transport = new RecordingTransport();
    const conn = core.open(transport, 'a');
    core.receive(conn, packet(PacketCommand.PC_HEARTBEAT, undefined, 'hb-1'));
    core.receive(conn, packet(PacketCommand.PC_SYNC, undefined, 'sync-1'));
    core.receive(conn, packet(PacketCommand.PC_CLOSE, undefined, 'close-1'));
    await settle();
    flush();
    assert.deepEqual(
      transport.replies().map(({ requestId, command, code }) => ({ requestId, command, code })),
      [
        { requestId: 'hb-1', command: PacketCommand.PC_HEARTBEAT, code: ErrorCode.Unauthorized },
        { requestId: 'sync-1', command: PacketCommand.PC_SYNC, code: ErrorCode.Unauthorized },
        { requestId: 'close-1', command: PacketCommand.PC_UNKNOWN, code: ErrorCode.Unauthorized },
      ],
    );
    assert.equal(conn.state, 'awaiting-sign-in');
    assert.equal(transport.ended, undefined);
    assert.equal(logic.syncs.length, 0);
  });

  void it('signs in through logic with the gateway id, connection id and client address', async () => {
    const { logic, conn } = await signedIn(3, 33);
    assert.deepEqual(logic.signIns, [
      {
        userId: 3,
        deviceId: 33,
        token: 'token-3',
        clientAddr: '10.0.0.1:5000',
        gatewayId: 'gw-test',
        connId: conn.id,
      },
    ]);
  });

  void it('replies to a sign-in with code 0 and the request id', async () => {
    const { core, flush } = testCore();
    const transport = new RecordingTransport();
    core.receive(core.open(transport, 'a'), signInPacket(1, 11, 'token-1', 'my-id'));
    await settle();
    flush();
    assert.deepEqual(
      transport.replies().map(({ requestId, command, code }) => ({ requestId, command, code })),
      [{ requestId: 'my-id', command: PacketCommand.PC_SIGN_IN, code: 0 }],
    );
  });

  void it('refuses a wrong token with a 10000 reply, then PC_CLOSE 10000 and a close', async () => {
    const { core, flush } = testCore();
    const transport = new RecordingTransport();
    const conn = core.open(transport, 'a');
    core.receive(conn, signInPacket(1, 11, 'wrong'));
    await settle();
    flush();
    assert.deepEqual(
      transport.replies().map((reply) => reply.code),
      [ErrorCode.Unauthorized],
    );
    assert.equal(transport.closeNotice()?.code, ErrorCode.Unauthorized);
    assert.equal(transport.ended?.code, ErrorCode.Unauthorized);
    assert.equal(conn.identity, undefined);
  });

  void it('answers a second sign-in with 10408', async () => {
    const { core, flush, transport, conn, logic } = await signedIn();
    core.receive(conn, signInPacket(1, 11));
    await settle();
    flush();
    assert.deepEqual(
      transport.replies().map((reply) => reply.code),
      [ErrorCode.AlreadySignedIn],
    );
    assert.equal(logic.signIns.length, 1);
    assert.equal(conn.state, 'signed-in');
  });

  void it('answers unknown and server-only commands with 10402, never echoing a server command', async () => {
    const { core, flush, transport, conn } = await signedIn();
    core.receive(conn, packet(99));
    core.receive(conn, packet(PacketCommand.PC_MESSAGE));
    core.receive(conn, packet(PacketCommand.PC_CLOSE));
    core.receive(conn, packet(PacketCommand.PC_SYNC_NOTICE));
    core.receive(conn, packet(PacketCommand.PC_HEARTBEAT));
    flush();
    const replies = transport.replies();
    assert.deepEqual(
      replies.map(({ requestId, command, code }) => ({ requestId, command, code })),
      [
        { requestId: 'r99', command: 99, code: ErrorCode.UnknownCommand },
        { requestId: 'r4', command: PacketCommand.PC_UNKNOWN, code: ErrorCode.UnknownCommand },
        { requestId: 'r8', command: PacketCommand.PC_UNKNOWN, code: ErrorCode.UnknownCommand },
        { requestId: 'r9', command: PacketCommand.PC_UNKNOWN, code: ErrorCode.UnknownCommand },
        { requestId: 'r2', command: PacketCommand.PC_HEARTBEAT, code: 0 },
      ],
    );
    assert.match(replies[1]!.message, /sent by the server only/);
    assert.equal(transport.packets().filter((p) => p.command === PacketCommand.PC_CLOSE).length, 0);
    assert.equal(conn.state, 'signed-in');
  });

  void it('sends as the signed-in device and replies with SendMessageReply', async () => {
    const { core, flush, transport, conn, logic } = await signedIn(5, 55);
    const content = SendMessageRequest.encode({
      clientMsgId: 'c-1',
      toUserId: 6,
      toGroupId: 0,
      toRoomId: 0,
      content: Buffer.from('hi'),
    }).finish();
    core.receive(conn, packet(PacketCommand.PC_SEND_MESSAGE, content, 'send-1'));
    await settle();
    flush();
    assert.deepEqual(logic.sends, [
      { userId: 5, deviceId: 55, toUserId: 6, toGroupId: 0, clientMsgId: 'c-1', content: Buffer.from('hi') },
    ]);
    const [reply] = transport.replies();
    assert.equal(reply!.requestId, 'send-1');
    assert.equal(reply!.code, 0);
    assert.deepEqual(SendMessageReply.decode(reply!.data), {
      messageId: 77,
      seq: 5,
      createdAt: 1_700_000_000_000,
    });
  });

  void it('answers content that does not decode with 10001 and keeps the connection', async () => {
    const { core, flush, transport, conn, logic } = await signedIn();
    core.receive(conn, packet(PacketCommand.PC_SEND_MESSAGE, Buffer.from([0xff, 0xff, 0xff])));
    await settle();
    flush();
    assert.deepEqual(
      transport.replies().map((reply) => reply.code),
      [ErrorCode.BadRequest],
    );
    assert.equal(logic.sends.length, 0);
    assert.equal(conn.state, 'signed-in');
  });

  void it("replies with a logic GimError's code and message, and 13 for anything unexpected", async () => {
    const { core, flush, transport, conn, logic } = await signedIn();
    const send = packet(
      PacketCommand.PC_SEND_MESSAGE,
      SendMessageRequest.encode({
        clientMsgId: 'x',
        toUserId: 2,
        toGroupId: 0,
        toRoomId: 0,
        content: Buffer.alloc(0),
      }).finish(),
    );
    logic.sendFailure = new GimError(ErrorCode.UserNotFound, 'user not found');
    core.receive(conn, send);
    await settle();
    logic.sendFailure = new TypeError('boom');
    core.receive(conn, send);
    await settle();
    flush();
    assert.deepEqual(
      transport.replies().map(({ code, message }) => ({ code, message })),
      [
        { code: ErrorCode.UserNotFound, message: 'user not found' },
        { code: 13, message: 'internal error' },
      ],
    );
  });

  void it('closes the older connection of a device with 10405 and delivers to the newer one', async () => {
    const { core, flush, transport: first, conn: older } = await signedIn(1, 11);
    const second = new RecordingTransport();
    const newer = core.open(second, 'b');
    core.receive(newer, signInPacket(1, 11));
    await settle();
    flush();
    assert.equal(first.closeNotice()?.code, ErrorCode.SignedInElsewhere);
    assert.equal(older.state, 'closing');
    assert.equal(core.registry.device(11), newer);
    const push = encodePacket(
      messagePacket({
        command: MessageCommand.MC_USER_MESSAGE,
        content: Buffer.from('m'),
        seq: 1,
        createdAt: 1,
        roomId: 0,
        messageId: 1,
      }),
    );
    assert.equal(core.pushEncoded(push, [11]), 1);
    flush();
    assert.equal(second.packets().at(-1)?.command, PacketCommand.PC_MESSAGE);
  });

  void it('holds packets sent while the sign-in is checked and handles them once it succeeds', async () => {
    const { core, flush, logic } = testCore();
    let release = (): void => undefined;
    logic.signInGate = new Promise((resolve) => (release = resolve));
    const transport = new RecordingTransport();
    const conn = core.open(transport, 'a');
    core.receive(conn, signInPacket(1, 11));
    core.receive(conn, packet(PacketCommand.PC_HEARTBEAT, undefined, 'early'));
    await settle();
    flush();
    assert.equal(transport.writes.length, 0);
    release();
    await settle();
    flush();
    assert.deepEqual(
      transport.replies().map(({ requestId, code }) => ({ requestId, code })),
      [
        { requestId: 'sign-in', code: 0 },
        { requestId: 'early', code: 0 },
      ],
    );
  });

  void it('reports Offline once when a signed-in connection closes, also when it closed during sign-in', async () => {
    const { core, logic, conn } = await signedIn(1, 11);
    core.closed(conn);
    core.closed(conn);
    await settle();
    assert.deepEqual(logic.offlines, [
      { userId: 1, deviceId: 11, clientAddr: '10.0.0.1:5000', gatewayId: 'gw-test', connId: conn.id },
    ]);

    let release = (): void => undefined;
    logic.signInGate = new Promise((resolve) => (release = resolve));
    const early = core.open(new RecordingTransport(), 'c');
    core.receive(early, signInPacket(2, 22));
    core.closed(early);
    assert.equal(logic.offlines.length, 1);
    release();
    await settle();
    assert.deepEqual(
      logic.offlines.map((offline) => offline.connId),
      [conn.id, early.id],
    );
  });
});
