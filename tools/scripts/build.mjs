// Builds one app for deployment: compiles its sources and the libraries it may import with SWC (decorator
// metadata kept, `@gim/*` aliases rewritten to relative paths) into dist/<app root>/, mirroring the tree.
// Run: node dist/<app root>/<app root>/src/main.js (from a checkout that has node_modules, proto/ and sql/).
import { transformFile } from '@swc/core';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const appRoot = process.argv[2];
if (!appRoot) {
  console.error('usage: node tools/scripts/build.mjs <app root, e.g. apps/logic>');
  process.exit(2);
}
const outRoot = join(root, 'dist', appRoot);
const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));

function sources(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name) && !name.endsWith('.d.ts'))
      out.push(path);
  }
  return out;
}

const libs = readdirSync(join(root, 'libs')).map((name) => join(root, 'libs', name, 'src'));
const files = [join(root, appRoot, 'src'), ...libs].flatMap((dir) => sources(dir));
rmSync(outRoot, { recursive: true, force: true });

for (const file of files) {
  const output = await transformFile(file, {
    swcrc: false,
    sourceMaps: true,
    module: { type: 'commonjs' },
    jsc: {
      target: 'es2022',
      baseUrl: root,
      paths: tsconfig.compilerOptions.paths,
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
  });
  const target = join(outRoot, relative(root, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${output.code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
  if (output.map) writeFileSync(`${target}.map`, output.map);
}
console.log(`built ${files.length} files into ${relative(root, outRoot)}`);
