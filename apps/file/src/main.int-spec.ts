// Runs the file app as a process: it refuses bad configuration, and starts, serves and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const main = join(__dirname, 'main.ts');

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

void describe('apps/file main', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gim-file-main-'));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('exits 78 (EX_CONFIG) naming a type it cannot recognise from the bytes', async () => {
    const app = runApp({ GIM_FILE_ALLOWED_TYPES: 'image/png,image/svg+xml' });
    assert.equal(await app.exited, 78);
    assert.match(app.output(), /GIM_FILE_ALLOWED_TYPES: .*image\/svg\+xml/);
  });

  void it('serves until SIGTERM, then exits 0', async () => {
    const app = runApp({
      GIM_FILE_HTTP_URL: '127.0.0.1:0',
      GIM_FILE_DB_URL: `sqlite:${dir}/file.sqlite`,
      GIM_FILE_DIR: `${dir}/files`,
    });
    const deadline = Date.now() + 30_000;
    let port: string | undefined;
    while (port === undefined && Date.now() < deadline) {
      assert.equal(app.child.exitCode, null, app.output());
      port = /file HTTP on 127\.0\.0\.1:(\d+)/.exec(app.output())?.[1];
      if (port === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(port, app.output());
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    app.child.kill('SIGTERM');
    assert.equal(await app.exited, 0, app.output());
  });
});
