// Runs the business app as a process: it refuses bad configuration, and starts and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const main = join(__dirname, 'main.ts');

// Apps may not depend on @gim/testing (module boundaries), so this suite finds its own port and temp folder.
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function runApp(env: Record<string, string>) {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', SWC_NODE_PROJECT: join(root, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, output: () => output };
}

void describe('apps/business main', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gim-business-main-'));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('exits 78 (EX_CONFIG) naming the variable when a development code is configured in production', async () => {
    const app = runApp({
      NODE_ENV: 'production',
      GIM_INTERNAL_SECRET: 'a-production-secret-of-some-length',
      GIM_DEV_VERIFICATION_CODE: '246810',
    });
    assert.equal(await app.exited, 78);
    assert.match(app.output(), /GIM_DEV_VERIFICATION_CODE: .*must be empty when NODE_ENV=production/);
  });

  void it('exits 78 when production is given the development internal secret published in the source', async () => {
    const app = runApp({
      NODE_ENV: 'production',
      GIM_INTERNAL_SECRET: 'gim-development-only-internal-secret',
    });
    assert.equal(await app.exited, 78);
    assert.match(app.output(), /GIM_INTERNAL_SECRET: .*development/);
  });

  void it('serves until SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const app = runApp({
      NODE_ENV: 'development',
      GIM_BUSINESS_GRPC_URL: `127.0.0.1:${port}`,
      GIM_BUSINESS_DB_URL: `sqlite:${dir}/business.db`,
      GIM_OPS_LISTEN: '127.0.0.1:0',
    });
    const deadline = Date.now() + 30_000;
    while (!app.output().includes('business gRPC listening') && Date.now() < deadline) {
      assert.equal(app.child.exitCode, null, app.output());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(app.output(), /business gRPC listening on 127\.0\.0\.1:\d+/);
    app.child.kill('SIGTERM');
    assert.equal(await app.exited, 0, app.output());
    const lines = app.output().trim().split('\n');
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.equal(entry['app'], 'business', line);
      assert.equal(typeof entry['msg'], 'string', line);
      assert.ok(['info', 'warn', 'error', 'debug'].includes(String(entry['level'])), line);
      assert.match(String(entry['time']), /^\d{4}-\d\d-\d\dT/, line);
    }
    assert.ok(lines.some((line) => line.includes('business gRPC listening')));
  });
});
