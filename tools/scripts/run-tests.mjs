// Runs the test files (*.spec.ts, *.int-spec.ts, *.e2e-spec.ts) under the given folders with node's test runner.
// With no folder it runs every project's tests. TypeScript is compiled on the fly by @swc-node/register.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const dirs = process.argv.slice(2);
const roots = dirs.length > 0 ? dirs : ['libs', 'apps'];
const pattern = /\.(spec|int-spec|e2e-spec)\.ts$/;

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (pattern.test(name)) out.push(relative(root, path));
  }
  return out;
}

const files = roots.flatMap((dir) => walk(join(root, dir), [])).sort();
if (files.length === 0) {
  console.log(`no test files under ${roots.join(', ')}`);
  process.exit(0);
}
const result = spawnSync(
  process.execPath,
  ['--require', '@swc-node/register', '--enable-source-maps', '--test', '--test-concurrency=2', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, SWC_NODE_PROJECT: join(root, 'tsconfig.json') } },
);
process.exit(result.status ?? 1);
