// Fails when the TypeScript generated from proto/ is not what the committed .proto files produce.
import { execFileSync } from 'node:child_process';

const root = new URL('../..', import.meta.url).pathname;
const generated = ['libs/protocol/src/gen', 'libs/contracts/src/gen'];
execFileSync(process.execPath, ['tools/scripts/gen-proto.mjs'], { cwd: root, stdio: 'inherit' });
const changed = execFileSync('git', ['status', '--porcelain', '--', ...generated], {
  cwd: root,
  encoding: 'utf8',
});
if (changed.trim() !== '') {
  console.error(`generated contracts are stale; run \`npm run gen:proto\` and commit:\n${changed}`);
  process.exit(1);
}
console.log('generated contracts are current');
