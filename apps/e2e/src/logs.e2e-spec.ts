// The logs of a cluster run at the most verbose level: every process writes JSON lines, and no token, sign-in code
// or internal secret appears in them, whatever the clients sent (good and bad credentials alike).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { businessUserExt } from '@gim/contracts';
import { GrpcClient, REQUEST_ID_KEY } from '@gim/rpc';
import { DEV_CODE, Deployment, startCluster } from './support/deployment';
import { connectSignedIn, phoneSignIn, userExtClient } from './support/sessions';
import { TestConnection } from './support/test-connection';

void describe('logs (cluster, verbose)', { timeout: 180_000 }, () => {
  let gim: Deployment;
  let users: GrpcClient<businessUserExt.UserExtServiceClient>;
  const open: TestConnection[] = [];

  before(async () => {
    gim = await startCluster({ env: { GIM_LOG_LEVEL: 'verbose' }, keepOutput: 5_000_000, label: 'logs' });
    users = userExtClient(gim);
  });

  after(async () => {
    for (const connection of open) connection.close();
    users?.close();
    await gim?.stop();
  });

  void it('are JSON lines that never hold a token, a sign-in code or the internal secret', async () => {
    const a = await phoneSignIn(users, '+8613600000001');
    const b = await phoneSignIn(users, '+8613600000002');
    const wrongToken = `${a.token.slice(0, -4)}zzzz`;
    await assert.rejects(users.signIn({ phoneNumber: '+8613600000003', code: '975319', device: undefined }));
    const aTcp = await connectSignedIn(gim, 'tcp', a);
    const bWs = await connectSignedIn(gim, 'ws', b);
    const refused = await TestConnection.tcp(gim.ports.tcp);
    open.push(aTcp, bWs, refused);
    assert.notEqual((await refused.signIn(a.userId, a.deviceId, wrongToken)).code, 0);
    await aTcp.send(b.userId, 'l-1', 'hello');
    await bWs.waitForPushes(1);
    const metadata = new Metadata();
    metadata.set('user_id', String(a.userId));
    metadata.set('device_id', String(a.deviceId));
    metadata.set('token', wrongToken);
    metadata.set(REQUEST_ID_KEY, 'logs-e2e-1');
    await assert.rejects(users.getUser({ userId: b.userId }, metadata));
    aTcp.close();
    bWs.close();
    await new Promise((resolve) => setTimeout(resolve, 500));

    const logs = gim.logs();
    const lines = logs.split('\n').filter((line) => line !== '' && !line.startsWith('--- '));
    assert.ok(lines.length > 20, `the verbose run logged (${lines.length} lines)`);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof entry['msg'], 'string', line);
      assert.equal(typeof entry['app'], 'string', line);
    }
    for (const [what, secret] of [
      ['a token', a.token],
      ['a token', b.token],
      ['a refused token', wrongToken],
      ['the sign-in code', DEV_CODE],
      ['a wrong sign-in code', '975319'],
      ['the internal secret', gim.internalSecret],
    ] as const) {
      assert.ok(!logs.includes(secret), `the logs hold ${what}`);
    }
  });
});
