import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@gim/errors';
import { PacketCommand, Reply } from '@gim/protocol';
import { WsTestClient } from '../../../test/clients';
import {
  assertServes,
  sharedScenarios,
  startTestGateway,
  TEST_MAX_FRAME_BYTES,
  TestGateway,
} from '../../../test/gateway-scenarios';

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
