// Writes project.json and tsconfig.json for a workspace project: node tools/scripts/mkproject.mjs <root> <name> <tag> [app].
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [root, name, tag, kind] = process.argv.slice(2);
const ws = new URL('../..', import.meta.url).pathname;
const dir = join(ws, root);
mkdirSync(join(dir, 'src'), { recursive: true });
const back = relative(dir, ws);
const targets = {
  lint: { executor: 'nx:run-commands', options: { command: `eslint --max-warnings=0 ${root}` } },
  typecheck: { executor: 'nx:run-commands', options: { command: `tsc -p ${root}/tsconfig.json --noEmit` } },
  test: { executor: 'nx:run-commands', options: { command: `node tools/scripts/run-tests.mjs ${root}` } },
};
if (kind === 'app') {
  targets.build = {
    executor: 'nx:run-commands',
    outputs: [`{workspaceRoot}/dist/${root}`],
    options: { command: `node tools/scripts/build.mjs ${root}` },
  };
  targets.serve = {
    executor: 'nx:run-commands',
    continuous: true,
    options: { command: `node --enable-source-maps -r @swc-node/register ${root}/src/main.ts` },
  };
}
const project = {
  name,
  $schema: `${back}/node_modules/nx/schemas/project-schema.json`,
  sourceRoot: `${root}/src`,
  projectType: kind === 'app' ? 'application' : 'library',
  tags: [tag],
  targets,
};
writeFileSync(join(dir, 'project.json'), JSON.stringify(project, null, 2) + '\n');
writeFileSync(
  join(dir, 'tsconfig.json'),
  JSON.stringify(
    { extends: `${back}/tsconfig.base.json`, include: ['src/**/*.ts', 'test/**/*.ts'] },
    null,
    2,
  ) + '\n',
);
