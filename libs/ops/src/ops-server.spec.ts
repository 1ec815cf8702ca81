import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metrics } from './metrics';
import { OpsServer, serviceOps } from './ops-server';

void describe('OpsServer', () => {
  const ops = new OpsServer();
  let base = '';
  let databaseUp = true;

  before(async () => {
    const port = await ops.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${port}`;
    ops.addCheck('database', async () => {
      if (!databaseUp) throw new Error('connection refused');
    });
  });
  after(() => ops.close());

  void it('says it is alive on /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  void it('is ready while every check passes, names the failing one otherwise', async () => {
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok' } });
    databaseUp = false;
    const down = await fetch(`${base}/readyz`);
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), {
      status: 'not ready',
      checks: { database: 'connection refused' },
    });
    databaseUp = true;
  });

  void it('counts a check that does not answer as failed', async () => {
    const slow = new OpsServer();
    slow.addCheck('redis', () => new Promise(() => undefined));
    const started = Date.now();
    const readiness = await slow.readiness();
    assert.equal(readiness.ready, false);
    assert.match(readiness.checks['redis'] ?? '', /no answer within/);
    assert.ok(Date.now() - started < 5_000);
  });

  void it('serves Prometheus metrics, gim and process ones', async () => {
    metrics.syncPages.inc();
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const body = await response.text();
    assert.match(body, /^# TYPE gim_sync_pages_total counter$/m);
    assert.match(body, /^gim_sync_pages_total [1-9]\d*$/m);
    assert.match(body, /^nodejs_eventloop_lag_seconds /m);
  });

  void it('refuses other paths and methods', async () => {
    assert.equal((await fetch(`${base}/nothing`)).status, 404);
    assert.equal((await fetch(`${base}/readyz`, { method: 'POST' })).status, 405);
  });

  void it('is not ready once draining, whatever the checks say', async () => {
    ops.startDraining();
    const response = await fetch(`${base}/readyz`);
    assert.equal(response.status, 503);
    assert.equal(((await response.json()) as { status: string }).status, 'draining');
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'still alive while draining');
  });
});

void describe('serviceOps', () => {
  void it('uses the shared server when given one and does not close it', async () => {
    const shared = new OpsServer();
    const port = await shared.listen('127.0.0.1', 0);
    const { ops, close } = await serviceOps(shared, '127.0.0.1:1');
    assert.equal(ops, shared);
    await close();
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    await shared.close();
  });

  void it('opens its own on the address otherwise', async () => {
    const { ops, close } = await serviceOps(undefined, '127.0.0.1:0');
    const port = ops.port;
    assert.ok(port > 0);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    await close();
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'closed with its service');
  });
});
