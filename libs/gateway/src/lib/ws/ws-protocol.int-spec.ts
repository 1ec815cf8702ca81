// gim's own RFC 6455 server side against the ws client library and raw sockets, over a real gateway.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@gim/errors';
import {
  CloseNotice,
  decodePacket,
  encodePacket,
  Packet,
  PacketCommand,
  Reply,
  SignInRequest,
} from '@gim/protocol';
import { WebSocket } from 'ws';
import { rawSocket, WsTestClient } from '../../../test/clients';
import {
  assertServes,
  framedPush,
  publish,
  pushed,
  startTestGateway,
  TEST_MAX_FRAME_BYTES,
  TestGateway,
} from '../../../test/gateway-scenarios';
import { webSocketAccept } from './ws-client-server';

const UPGRADE =
  'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** A masked client frame. */
function clientFrame(opcode: number, payload: Buffer, masked = true): Buffer {
  const mask = [0x11, 0x22, 0x33, 0x44];
  const header = Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | payload.length]);
  if (!masked) return Buffer.concat([header, payload]);
  const body = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([header, Buffer.from(mask), body]);
}

/** Reads a raw socket's HTTP response head and the server frames after it (payloads of 125 bytes at most). */
function rawReader(socket: Socket): {
  head: () => string;
  frames: Array<{ opcode: number; payload: Buffer }>;
} {
  let received = Buffer.alloc(0);
  let head = '';
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (head === '') {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      head = received.subarray(0, end).toString();
      received = received.subarray(end + 4);
    }
    while (received.length >= 2 && received.length >= 2 + (received[1]! & 0x7f)) {
      const length = received[1]! & 0x7f;
      frames.push({ opcode: received[0]! & 0x0f, payload: received.subarray(2, 2 + length) });
      received = received.subarray(2 + length);
    }
  });
  return { head: () => head, frames };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), 'condition not met in time');
}

void describe('WebSocket protocol (gim RFC 6455 server side)', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway('ws');
  });
  after(async () => {
    await t.stop();
  });

  async function signedIn(userId: number): Promise<WsTestClient> {
    const client = (await t.connect()) as WsTestClient;
    assert.equal((await client.signIn(userId, userId * 10)).code, 0);
    return client;
  }

  void it('answers a ping with a pong carrying the same payload', async () => {
    const client = await signedIn(401);
    const pong = new Promise<Buffer>((resolve) => client.ws.once('pong', resolve));
    client.ws.ping(Buffer.from('are you there'));
    assert.equal((await pong).toString(), 'are you there');
    client.close();
  });

  void it('reads a packet sent in fragments, with a ping between them', async () => {
    const client = await signedIn(402);
    const bytes = encodePacket({
      requestId: 'frag',
      command: PacketCommand.PC_HEARTBEAT,
      content: Buffer.alloc(0),
      seq: 0,
    });
    client.ws.send(bytes.subarray(0, 3), { binary: true, fin: false });
    client.ws.ping();
    client.ws.send(bytes.subarray(3), { binary: true, fin: true });
    const reply = await client.take((packet) => packet.requestId === 'frag');
    assert.equal(Reply.decode(reply.content).code, 0);
    client.close();
  });

  void it('echoes a client-initiated close with its code and closes the TCP side; logic hears Offline', async () => {
    const client = await signedIn(403);
    const offlines = t.logic.offlines.length;
    client.ws.close(4000, 'done');
    await client.closed;
    assert.equal(client.closeFrame?.code, 4000);
    await until(() => t.logic.offlines.length > offlines);
    assert.equal(t.logic.offlines.at(-1)?.deviceId, 4030);
  });

  void it('refuses a message far over the limit from its header: PC_CLOSE 10401, close 1009', async () => {
    const other = await signedIn(404);
    const big = (await t.connect()) as WsTestClient;
    big.sendRaw(Buffer.alloc(TEST_MAX_FRAME_BYTES * 64));
    assert.equal((await big.closeNotice()).code, ErrorCode.FrameTooLarge);
    await big.closed;
    assert.equal(big.closeFrame?.code, 1009);
    await assertServes(other);
    other.close();
  });

  void it('closes a connection that sends an unmasked frame with PC_CLOSE 10400 and close 1002', async () => {
    const socket = await rawSocket(t.gateway.clientPort);
    const reader = rawReader(socket);
    socket.write(UPGRADE);
    await until(() => reader.head() !== '');
    socket.write(clientFrame(0x2, Buffer.from([8, 2]), false));
    await until(() => reader.frames.length >= 2);
    const [notice, close] = reader.frames;
    const packet = decodePacket(notice!.payload);
    assert.equal(packet.command, PacketCommand.PC_CLOSE);
    assert.equal(CloseNotice.decode(packet.content).code, ErrorCode.MalformedFrame);
    assert.equal(close!.opcode, 0x8);
    assert.equal(close!.payload.readUInt16BE(0), 1002);
    socket.destroy();
  });

  void it('answers the handshake per RFC 6455 and reads a first frame sent with the upgrade request', async () => {
    const socket = await rawSocket(t.gateway.clientPort);
    const reader = rawReader(socket);
    const signIn: Packet = {
      requestId: 'early',
      command: PacketCommand.PC_SIGN_IN,
      content: SignInRequest.encode({ userId: 405, deviceId: 4050, token: 'token-405' }).finish(),
      seq: 0,
    };
    socket.write(Buffer.concat([Buffer.from(UPGRADE), clientFrame(0x2, encodePacket(signIn))]));
    await until(() => reader.frames.length >= 1);
    assert.match(reader.head(), /^HTTP\/1\.1 101 /);
    assert.match(reader.head(), /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
    const reply = decodePacket(reader.frames[0]!.payload);
    assert.equal(reply.requestId, 'early');
    assert.equal(Reply.decode(reply.content).code, 0);
    socket.destroy();
  });

  void it('computes Sec-WebSocket-Accept as RFC 6455 §1.3 shows', () => {
    assert.equal(webSocketAccept('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  void it('answers a handshake without a valid key with 400 and an unknown version with 426', async () => {
    for (const [headers, status] of [
      ['Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n', /^HTTP\/1\.1 400 /],
      ['Sec-WebSocket-Version: 7\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n', /^HTTP\/1\.1 426 /],
    ] as const) {
      const socket = await rawSocket(t.gateway.clientPort);
      const reader = rawReader(socket);
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`,
      );
      await until(() => reader.head() !== '');
      assert.match(reader.head(), status);
      socket.destroy();
    }
  });

  void it('gives a client that offers subprotocols the first one, and delivers pushes to it', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${t.gateway.clientPort}/ws`, ['gim.v1', 'other']);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    assert.equal(ws.protocol, 'gim.v1');
    ws.close();
    const client = await signedIn(406);
    await publish(t.bus, t.channels.gateway(t.gateway.gatewayId), [framedPush([4060], 1, 'framed once')]);
    assert.equal((await pushed(client)).content.toString(), 'framed once');
    client.close();
  });
});
