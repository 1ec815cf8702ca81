// Preloaded (`node -r`) into the server processes the bench measures; it changes nothing in gim itself.
// On SIGUSR2 it collects garbage (the process runs with --expose-gc) and writes process.memoryUsage() to
// <BENCH_PROBE_DIR>/probe-<pid>.json (written to a temporary name, then renamed, so a reader never sees half).
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env['BENCH_PROBE_DIR'];
const gc = (globalThis as { gc?: () => void }).gc;

if (dir) {
  process.on('SIGUSR2', () => {
    // Two collections, a tick apart, so that objects freed by finalizers of the first are gone too.
    gc?.();
    setTimeout(() => {
      gc?.();
      const usage = process.memoryUsage();
      const file = join(dir, `probe-${process.pid}.json`);
      writeFileSync(`${file}.tmp`, JSON.stringify({ ...usage, collected: gc !== undefined }));
      renameSync(`${file}.tmp`, file);
    }, 50);
  });
}
