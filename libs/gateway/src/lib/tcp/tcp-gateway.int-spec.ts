import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@gim/errors';
import { encodeVarint } from '@gim/protocol';
import { TcpTestClient } from '../../../test/clients';
import {
  assertServes,
  sharedScenarios,
  startTestGateway,
  TEST_MAX_FRAME_BYTES,
  TestGateway,
} from '../../../test/gateway-scenarios';

void describe('TCP gateway over real sockets', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway('tcp');
  });
  after(async () => {
    await t.stop();
  });

  sharedScenarios(() => t);

  async function bystander(): Promise<TcpTestClient> {
    const client = (await t.connect()) as TcpTestClient;
    assert.equal((await client.signIn(200, 2000)).code, 0);
    return client;
  }

  void it('closes a connection that sends a frame that is not a Packet with 10400; others keep working', async () => {
    const other = await bystander();
    const client = await t.connect();
    client.sendRaw(Buffer.concat([encodeVarint(3), Buffer.from([0xff, 0xff, 0xff])]));
    const notice = await client.closeNotice();
    assert.equal(notice.code, ErrorCode.MalformedFrame);
    assert.match(notice.reason, /not a valid Packet/);
    await client.closed;
    await assertServes(other);
    other.close();
  });

  void it('closes a connection whose length prefix is not a valid varint with 10400', async () => {
    const client = await t.connect();
    client.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    assert.equal((await client.closeNotice()).code, ErrorCode.MalformedFrame);
    await client.closed;
  });

  void it('closes a connection that announces a frame over the limit with 10401; others keep working', async () => {
    const other = await bystander();
    const client = await t.connect();
    client.sendRaw(encodeVarint(TEST_MAX_FRAME_BYTES + 1));
    const notice = await client.closeNotice();
    assert.equal(notice.code, ErrorCode.FrameTooLarge);
    assert.match(notice.reason, /exceeds the 8192-byte limit/);
    await client.closed;
    await assertServes(other);
    other.close();
  });

  void it('refuses a connection over the per-address limit with PC_CLOSE 10409; a sign-in frees a slot', async () => {
    const limited = await startTestGateway('tcp', {
      logic: t.logic,
      env: { GIM_MAX_UNAUTHENTICATED_PER_ADDRESS: '2', GIM_SIGN_IN_TIMEOUT_MS: '10000' },
    });
    try {
      const first = await limited.connect();
      const second = await limited.connect();
      const refused = await limited.connect();
      assert.equal((await refused.closeNotice()).code, ErrorCode.TooManyConnections);
      await refused.closed;
      assert.equal((await first.signIn(210, 2100)).code, 0);
      const third = await limited.connect();
      const refusedAgain = await limited.connect();
      assert.equal((await refusedAgain.closeNotice()).code, ErrorCode.TooManyConnections);
      second.close();
      await second.closed;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const fourth = await limited.connect();
      for (const [client, id] of [
        [third, 211],
        [fourth, 212],
      ] as const) {
        assert.equal((await client.signIn(id, id * 10)).code, 0);
      }
      await assertServes(first);
      for (const each of [first, third, fourth]) each.close();
    } finally {
      await limited.stop();
    }
  });

  void it('reads frames split across writes and several frames in one write', async () => {
    const client = await t.connect();
    assert.equal((await client.signIn(201, 2010)).code, 0);
    const heartbeat = (id: string) => Buffer.from([...encodeFrameFor(id)]);
    const bytes = Buffer.concat([heartbeat('a'), heartbeat('b'), heartbeat('c')]);
    client.sendRaw(bytes.subarray(0, 3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.sendRaw(bytes.subarray(3));
    for (const id of ['a', 'b', 'c']) await client.take((p) => p.requestId === id);
    client.close();
  });
});

function encodeFrameFor(requestId: string): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x0a, requestId.length]),
    Buffer.from(requestId),
    Buffer.from([0x10, 0x02]),
  ]);
  return Buffer.concat([encodeVarint(body.length), body]);
}
