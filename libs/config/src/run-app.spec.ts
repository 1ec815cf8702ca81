import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { drainBudgetMs } from './run-app';

const WORKSPACE = join(__dirname, '../../..');

/**
 * Runs an app whose close() takes `closeMs` (never resolving when undefined) under runApp, sends it SIGTERM
 * once started (and `again` a second time), and resolves with its exit code and how long it took to exit.
 */
function runWithClose(
  closeMs: number | undefined,
  env: Record<string, string>,
  again = false,
): Promise<{ code: number | null; ms: number; output: string }> {
  const script = `
    const { runApp } = require(${JSON.stringify(join(__dirname, 'run-app.ts'))});
    runApp('spec', async () => ({
      close: () => new Promise((resolve) => { ${closeMs === undefined ? '' : `setTimeout(resolve, ${closeMs});`} }),
    }));
    setTimeout(() => console.log('started'), 10);
    setInterval(() => undefined, 1000);
  `;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: WORKSPACE,
    env: { ...process.env, SWC_NODE_PROJECT: join(WORKSPACE, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let sentAt = 0;
  return new Promise((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (sentAt !== 0 || !output.includes('started')) return;
      sentAt = Date.now();
      child.kill('SIGTERM');
      if (again) setTimeout(() => child.kill('SIGTERM'), 100);
    });
    child.once('exit', (code) => resolve({ code, ms: Date.now() - sentAt, output }));
  });
}

void describe('runApp', () => {
  void it('exits 0 once close() finished', async () => {
    const { code, ms, output } = await runWithClose(300, { GIM_SHUTDOWN_TIMEOUT_MS: '5000' });
    assert.equal(code, 0, output);
    assert.ok(ms >= 290 && ms < 4_000, `exited ${ms} ms after SIGTERM`);
  });

  void it('exits 1 when close() has not finished within GIM_SHUTDOWN_TIMEOUT_MS', async () => {
    const { code, ms, output } = await runWithClose(undefined, { GIM_SHUTDOWN_TIMEOUT_MS: '500' });
    assert.equal(code, 1, output);
    assert.ok(ms >= 490 && ms < 3_000, `exited ${ms} ms after SIGTERM`);
    assert.match(output, /did not finish within 500 ms/);
  });

  void it('exits at once on a second signal', async () => {
    const { code, ms, output } = await runWithClose(undefined, { GIM_SHUTDOWN_TIMEOUT_MS: '60000' }, true);
    assert.equal(code, 1, output);
    assert.ok(ms < 3_000, `exited ${ms} ms after the first SIGTERM`);
  });

  void it('gives drains three quarters of the shutdown timeout', () => {
    assert.equal(drainBudgetMs(20_000), 15_000);
    assert.equal(drainBudgetMs(0), 0);
  });
});
