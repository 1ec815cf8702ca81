// Cluster mode on a Redis of the test's own: after Redis loses its data (FLUSHALL, then a kill and restart
// without persistence) the gateways re-record their connections within the lease period, live pushes flow
// again, and every device is told to sync what it may have missed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { businessUserExt, logicPush } from '@gim/contracts';
import { Message } from '@gim/protocol';
import { GrpcClient } from '@gim/rpc';
import { Deployment, startCluster } from './support/deployment';
import { RedisServer } from './support/redis-server';
import { connectSignedIn, phoneSignIn, type Session, userExtClient } from './support/sessions';
import { TestConnection } from './support/test-connection';

const LEASE_SECONDS = 3;
const LEASE_MS = LEASE_SECONDS * 1_000;
/** Time a live push takes once presence is back, with room for a loaded machine. */
const PUSH_MS = 2_000;

function chatText(message: Message): string {
  return Buffer.from(logicPush.UserMessagePush.decode(message.content).content).toString();
}

/** Waits for a push carrying `text`; rejects after `timeoutMs`. */
async function pushedText(connection: TestConnection, text: string, timeoutMs: number): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = connection.pushes.find((message) => chatText(message) === text);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`"${text}" was not pushed within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('presence after Redis loses its data (cluster)', { timeout: 240_000 }, () => {
  let redis: RedisServer;
  let gim: Deployment;
  let users: GrpcClient<businessUserExt.UserExtServiceClient>;
  const open: TestConnection[] = [];

  const signIn = (phoneNumber: string): Promise<Session> => phoneSignIn(users, phoneNumber);
  const connectAs = async (transport: 'tcp' | 'ws', session: Session): Promise<TestConnection> => {
    const connection = await connectSignedIn(gim, transport, session);
    open.push(connection);
    return connection;
  };

  before(async () => {
    redis = await RedisServer.start();
    gim = await startCluster({ redisUrl: redis.url, leaseSeconds: LEASE_SECONDS });
    users = userExtClient(gim);
  });

  after(async () => {
    for (const connection of open) connection.close();
    users?.close();
    await gim?.stop();
    await redis?.stop();
  });

  it('re-records every connection within the lease period and tells the devices to sync', async (t) => {
    const a = await signIn('+8613900000001');
    const b = await signIn('+8613900000002');
    const aTcp = await connectAs('tcp', a);
    const bWs = await connectAs('ws', b);
    await aTcp.send(b.userId, 'before', 'before the loss');
    await pushedText(bWs, 'before the loss', PUSH_MS);

    /**
     * After presence was lost at `lostAt`: both devices get PC_SYNC_NOTICE within the lease period, a new
     * message is pushed live, and what was sent in between can be synced.
     */
    const recovers = async (label: string, lostAt: number, sentMeanwhile: number): Promise<void> => {
      const noticesBefore = [aTcp.syncNotices, bWs.syncNotices];
      await Promise.all([
        aTcp.waitForSyncNotices(noticesBefore[0]! + 1, LEASE_MS),
        bWs.waitForSyncNotices(noticesBefore[1]! + 1, LEASE_MS),
      ]).catch((error: unknown) => {
        throw new Error(`${label}: ${String(error)}\n${gim.logs()}`);
      });
      assert.ok(Date.now() - lostAt <= LEASE_MS, `${label}: presence came back within the lease period`);
      await aTcp.send(b.userId, `live-${label}`, `live after ${label}`);
      await pushedText(bWs, `live after ${label}`, PUSH_MS).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${gim.logs()}`);
      });
      const { messages } = await bWs.syncAll(0, 0);
      assert.ok(
        messages.some((message) => message.messageId === sentMeanwhile),
        `${label}: the message sent while presence was missing is there to sync`,
      );
    };

    await t.test('FLUSHALL', async () => {
      const noticesBefore = bWs.syncNotices;
      await redis.flushAll();
      const lostAt = Date.now();
      const meanwhile = await aTcp.send(b.userId, 'after-flush', 'sent right after the flush');
      await recovers('FLUSHALL', lostAt, meanwhile.messageId);
      assert.equal(bWs.syncNotices, noticesBefore + 1, 'one notice per restore');
    });

    await t.test('kill and restart without persistence', async () => {
      await redis.killAndRestart();
      const restartedAt = Date.now();
      const meanwhile = await aTcp.send(b.userId, 'after-restart', 'sent right after the restart');
      await recovers('restart', restartedAt, meanwhile.messageId);
    });
  });
});
