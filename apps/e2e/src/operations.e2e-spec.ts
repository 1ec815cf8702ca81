// What an operator sees of a running gim, in both modes: every process's /healthz, /readyz and /metrics on its
// ops port, grpc.health.v1 on the gRPC servers, the metrics a conversation moves, and (cluster) readiness that
// follows Redis going away and coming back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { businessUserExt } from '@gim/contracts';
import { DownstreamHealth, GrpcClient } from '@gim/rpc';
import { Deployment, startCluster, startStandalone } from './support/deployment';
import { RedisServer } from './support/redis-server';
import { connectSignedIn, phoneSignIn, userExtClient } from './support/sessions';
import { TestConnection } from './support/test-connection';

/** The value of one sample of the Prometheus text `body` (every label given must match); 0 when absent. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

/** Polls until `check` holds or `timeoutMs` passes; fails with `what` and the last value seen. */
async function until<T>(
  what: string,
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const mode of ['standalone', 'cluster'] as const) {
  void describe(`operations (${mode})`, { timeout: 180_000 }, () => {
    let gim: Deployment;
    let users: GrpcClient<businessUserExt.UserExtServiceClient>;
    const open: TestConnection[] = [];

    before(async () => {
      gim = mode === 'cluster' ? await startCluster() : await startStandalone();
      users = userExtClient(gim);
    });

    after(async () => {
      for (const connection of open) connection.close();
      users?.close();
      await gim?.stop();
    });

    void it('says every process is alive and ready, naming what it checked', async () => {
      for (const [name, port] of Object.entries(gim.ports.ops)) {
        assert.equal((await get(port, '/healthz')).status, 200, name);
        const ready = await until(
          `${name} ready`,
          () => get(port, '/readyz'),
          (reply) => reply.status === 200,
        );
        const checks = (JSON.parse(ready.body) as { checks: Record<string, string> }).checks;
        assert.ok(Object.keys(checks).length > 0, `${name} checks something`);
        for (const [check, outcome] of Object.entries(checks))
          assert.equal(outcome, 'ok', `${name}: ${check}`);
      }
    });

    void it('answers grpc.health.v1 on the gRPC servers', async () => {
      for (const port of [gim.ports.logic, gim.ports.business]) {
        const health = new DownstreamHealth(`127.0.0.1:${port}`);
        try {
          await health.check();
        } finally {
          health.close();
        }
      }
    });

    void it('counts what a conversation does', async () => {
      const a = await phoneSignIn(users, `+8613700${mode === 'cluster' ? 1 : 2}00001`);
      const b = await phoneSignIn(users, `+8613700${mode === 'cluster' ? 1 : 2}00002`);
      const aTcp = await connectSignedIn(gim, 'tcp', a);
      const bWs = await connectSignedIn(gim, 'ws', b);
      open.push(aTcp, bWs);
      const refused = await TestConnection.tcp(gim.ports.tcp);
      open.push(refused);
      assert.notEqual((await refused.signIn(a.userId, a.deviceId, 'not-the-token')).code, 0);
      for (let i = 0; i < 3; i++) {
        await aTcp.send(b.userId, `a-${i}`, `from a ${i}`);
        await bWs.send(a.userId, `b-${i}`, `from b ${i}`);
      }
      await Promise.all([aTcp.waitForPushes(3), bWs.waitForPushes(3)]);
      await aTcp.sync(0);

      const port = (process: string): number => {
        const found = gim.ports.ops[mode === 'standalone' ? 'standalone' : process];
        assert.ok(found, process);
        return found;
      };
      const metrics = async (process: string): Promise<string> => (await get(port(process), '/metrics')).body;

      const tcp = await until(
        'tcp-gateway metrics after the conversation',
        () => metrics('tcp-gateway'),
        (body) => sample(body, 'gim_deliveries_total', { transport: 'tcp' }) >= 3,
      );
      assert.ok(sample(tcp, 'gim_connections', { transport: 'tcp' }) >= 1);
      assert.ok(sample(tcp, 'gim_sign_ins_total', { transport: 'tcp' }) >= 1);
      assert.ok(sample(tcp, 'gim_sign_in_failures_total', { transport: 'tcp' }) >= 1);
      assert.ok(
        sample(tcp, 'gim_packets_received_total', { transport: 'tcp', command: 'PC_SEND_MESSAGE' }) >= 3,
      );
      assert.ok(sample(tcp, 'gim_packets_sent_total', { transport: 'tcp', command: 'PC_MESSAGE' }) >= 3);
      assert.ok(sample(tcp, 'gim_push_latency_seconds_count', { transport: 'tcp' }) >= 1);
      assert.ok(sample(tcp, 'nodejs_eventloop_lag_seconds') >= 0);
      assert.match(tcp, /^nodejs_eventloop_lag_seconds /m);

      const ws = await metrics('ws-gateway');
      assert.ok(sample(ws, 'gim_deliveries_total', { transport: 'ws' }) >= 3);
      assert.ok(sample(ws, 'gim_connections', { transport: 'ws' }) >= 1);

      const logic = await metrics('logic');
      assert.ok(sample(logic, 'gim_messages_stored_total', { store: 'database' }) >= 6);
      assert.ok(sample(logic, 'gim_sync_pages_total') >= 1);
      assert.ok(
        sample(logic, 'gim_grpc_server_handled_total', { grpc_code: 'OK' }) >= 1,
        'logic counts the calls it answered',
      );
      assert.ok(sample(logic, 'gim_grpc_server_handling_seconds_count') >= 1);
      assert.ok(sample(logic, 'gim_db_query_duration_seconds_count', { db: 'logic', outcome: 'ok' }) >= 1);
      if (mode === 'cluster') {
        assert.ok(sample(logic, 'gim_redis_command_duration_seconds_count', { client: 'presence' }) >= 1);
      }
      const business = await metrics('business');
      assert.ok(
        sample(business, 'gim_grpc_server_handled_total', {
          grpc_service: 'business.UserExtService',
          grpc_method: 'SignIn',
          grpc_code: 'OK',
        }) >= 2,
      );
    });
  });
}

void describe('readiness follows Redis (cluster)', { timeout: 180_000 }, () => {
  let redis: RedisServer;
  let gim: Deployment;

  before(async () => {
    redis = await RedisServer.start();
    gim = await startCluster({ redisUrl: redis.url });
  });

  after(async () => {
    await gim?.stop();
    await redis?.stop();
  });

  void it('turns logic and the gateways unready while Redis is down, and ready again after', async () => {
    const watched = ['logic', 'tcp-gateway', 'ws-gateway'];
    for (const name of watched) {
      await until(
        `${name} ready`,
        () => get(gim.ports.ops[name] ?? 0, '/readyz'),
        (r) => r.status === 200,
      );
    }
    await redis.crash();
    for (const name of watched) {
      const down = await until(
        `${name} unready without Redis`,
        () => get(gim.ports.ops[name] ?? 0, '/readyz'),
        (reply) => reply.status === 503,
      );
      const checks = (JSON.parse(down.body) as { checks: Record<string, string> }).checks;
      const failing = Object.entries(checks).filter(([, outcome]) => outcome !== 'ok');
      assert.ok(
        failing.some(([check]) => check.includes('redis')),
        `${name} names Redis: ${down.body}`,
      );
      assert.equal((await get(gim.ports.ops[name] ?? 0, '/healthz')).status, 200, `${name} still alive`);
    }
    await redis.restart();
    for (const name of watched) {
      await until(
        `${name} ready again`,
        () => get(gim.ports.ops[name] ?? 0, '/readyz'),
        (reply) => reply.status === 200,
        15_000,
      );
    }
  });
});
