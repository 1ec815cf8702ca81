import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@gim/errors';
import type { Socket } from 'node:net';
import { CloseNotice, decodePacket, Packet, PacketCommand, Reply } from '@gim/protocol';
import { closedBy, rawSocket, WsTestClient } from '../../../test/clients';
import {
  assertServes,
  framedPush,
  publish,
  pushed,
  sharedScenarios,
  startTestGateway,
  TEST_MAX_FRAME_BYTES,
  TEST_SIGN_IN_TIMEOUT_MS,
  TestGateway,
} from '../../../test/gateway-scenarios';

/** The first WebSocket message the server sends on a raw socket after its 101 response (a short binary one). */
function firstServerMessage(socket: Socket): Promise<Packet> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headersEnd = received.indexOf('\r\n\r\n');
      if (headersEnd < 0) return;
      if (!received.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) {
        reject(new Error(`no upgrade: ${received.toString()}`));
        return;
      }
      const frame = received.subarray(headersEnd + 4);
      const length = (frame[1] ?? 0) & 0x7f;
      if (frame.length < 2 + length) return;
      resolve(decodePacket(frame.subarray(2, 2 + length), 1 << 16));
    });
    socket.once('close', () => reject(new Error('closed before a message arrived')));
  });
}

void describe('WebSocket gateway over real sockets', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway('ws');
  });
  after(async () => {
    await t.stop();
  });

  sharedScenarios(() => t);

  async function client(query = ''): Promise<WsTestClient> {
    return (await t.connect(query)) as WsTestClient;
  }

  async function bystander(): Promise<WsTestClient> {
    const other = await client();
    assert.equal((await other.signIn(300, 3000)).code, 0);
    return other;
  }

  void it('closes a connection that sends a message that is not a Packet with 10400 and 1002', async () => {
    const other = await bystander();
    const bad = await client();
    bad.sendRaw(Buffer.from([0xff, 0xff, 0xff]));
    assert.equal((await bad.closeNotice()).code, ErrorCode.MalformedFrame);
    await bad.closed;
    assert.equal(bad.closeFrame?.code, 1002);
    assert.match(bad.closeFrame?.reason ?? '', /not a valid Packet/);
    await assertServes(other);
    other.close();
  });

  void it('closes a connection that sends a message over the limit with 10401 and 1009', async () => {
    const other = await bystander();
    const big = await client();
    big.sendRaw(Buffer.alloc(TEST_MAX_FRAME_BYTES + 100));
    const notice = await big.closeNotice();
    assert.equal(notice.code, ErrorCode.FrameTooLarge);
    await big.closed;
    assert.equal(big.closeFrame?.code, 1009);
    await assertServes(other);
    other.close();
  });

  void it('closes a connection that sends a text message with 10400', async () => {
    const text = await client();
    text.sendText('hello');
    assert.equal((await text.closeNotice()).code, ErrorCode.MalformedFrame);
    await text.closed;
    assert.equal(text.closeFrame?.code, 1002);
  });

  void it('signs in from the upgrade URL query string and replies with request id ""', async () => {
    const signed = await client('?user_id=301&device_id=3010&token=token-301');
    const packet = await signed.take((p) => p.command === PacketCommand.PC_SIGN_IN);
    assert.equal(packet.requestId, '');
    assert.equal(Reply.decode(packet.content).code, 0);
    await assertServes(signed);
    const signIn = t.logic.signIns.at(-1)!;
    assert.deepEqual([signIn.userId, signIn.deviceId, signIn.gatewayId], [301, 3010, t.gateway.gatewayId]);
    signed.close();
  });

  void it('refuses a query-string sign-in with a wrong token: reply 10000, PC_CLOSE, close', async () => {
    const refused = await client('?user_id=302&device_id=3020&token=wrong');
    const packet = await refused.take((p) => p.command === PacketCommand.PC_SIGN_IN);
    assert.equal(Reply.decode(packet.content).code, ErrorCode.Unauthorized);
    assert.equal((await refused.closeNotice()).code, ErrorCode.Unauthorized);
    await refused.closed;
  });

  void it('closes a socket that sends nothing within the sign-in timeout', async () => {
    const socket = await rawSocket(t.gateway.clientPort);
    const elapsed = await closedBy(socket);
    assert.ok(elapsed >= TEST_SIGN_IN_TIMEOUT_MS - 100, `closed after ${elapsed} ms`);
  });

  void it('closes a socket that sends half an HTTP upgrade request within the sign-in timeout', async () => {
    const socket = await rawSocket(t.gateway.clientPort);
    socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
    const elapsed = await closedBy(socket);
    assert.ok(elapsed >= TEST_SIGN_IN_TIMEOUT_MS - 100, `closed after ${elapsed} ms`);
  });

  void it('times the sign-in from the TCP accept, so a slow upgrade leaves less time', async () => {
    const socket = await rawSocket(t.gateway.clientPort);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, (TEST_SIGN_IN_TIMEOUT_MS * 2) / 3));
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const notice = await firstServerMessage(socket);
    const elapsed = Date.now() - started;
    assert.equal(notice.command, PacketCommand.PC_CLOSE);
    assert.equal(CloseNotice.decode(notice.content).code, ErrorCode.SignInTimeout);
    assert.ok(elapsed < TEST_SIGN_IN_TIMEOUT_MS + 250, `PC_CLOSE ${elapsed} ms after the accept`);
    socket.destroy();
  });

  void it('refuses the upgrade of a socket over the per-address limit with 429; a sign-in frees a slot', async () => {
    const limited = await startTestGateway('ws', {
      logic: t.logic,
      env: { GIM_MAX_UNAUTHENTICATED_PER_ADDRESS: '2', GIM_SIGN_IN_TIMEOUT_MS: '10000' },
    });
    try {
      const first = (await limited.connect()) as WsTestClient;
      const handshaking = await rawSocket(limited.gateway.clientPort);
      await assert.rejects(limited.connect(), /Unexpected server response: 429/);
      assert.equal((await first.signIn(310, 3100)).code, 0);
      const second = (await limited.connect()) as WsTestClient;
      await assert.rejects(limited.connect(), /Unexpected server response: 429/);
      handshaking.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const third = (await limited.connect()) as WsTestClient;
      assert.equal((await third.signIn(311, 3110)).code, 0);
      assert.equal((await second.signIn(312, 3120)).code, 0);
      await assertServes(first);
      for (const each of [first, second, third]) each.close();
    } finally {
      await limited.stop();
    }
  });

  void it('serves next to a TCP gateway in the same process, both fed by one bus', async () => {
    const tcp = await startTestGateway('tcp', { logic: t.logic, bus: t.bus });
    try {
      const overTcp = await tcp.connect();
      assert.equal((await overTcp.signIn(320, 3200)).code, 0);
      const overWs = await bystander();
      await publish(t.bus, t.channels.broadcast(), [framedPush([], 1, 'to both')]);
      assert.equal((await pushed(overTcp)).content.toString(), 'to both');
      assert.equal((await pushed(overWs)).content.toString(), 'to both');
      overTcp.close();
      overWs.close();
    } finally {
      await tcp.stop();
    }
  });

  void it('answers plain HTTP with 426 and unknown paths with 404', async () => {
    const status = (path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: t.gateway.clientPort, path, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal(await status('/ws'), 426);
    assert.equal(
      await status('/other', {
        connection: 'upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      }),
      404,
    );
  });
});
