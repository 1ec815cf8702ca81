// The image without a container engine: the Dockerfile's steps replayed on this machine (the production install,
// the build of every app, the runtime tree), then the image's entry point starts standalone, which must serve
// clients and /healthz, and stop cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, tempDir, TempDir } from '@gim/testing';
import { assignments, parseDockerfile, replayDockerfile, ReplayedImage } from './dockerfile';

const WORKSPACE = join(__dirname, '../../../..');

/** The commands this machine must have for the packages the Dockerfile's build stage installs. */
const APT_COMMANDS = { python3: 'python3', make: 'make', 'g++': 'g++' };

/** This environment without what the test runner or npm adds, plus npm's cache preferred over the network. */
function buildEnv(): Record<string, string> {
  const dropped = new Set(['NODE_ENV', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'SWC_NODE_PROJECT']);
  const env: Record<string, string> = { npm_config_prefer_offline: 'true' };
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !dropped.has(key) && !key.startsWith('npm_')) env[key] = value;
  return env;
}

/** The apps the Dockerfile builds (its GIM_APPS build argument). */
function imageApps(text: string): string[] {
  for (const stage of parseDockerfile(text).stages)
    for (const { keyword, args } of stage.instructions) {
      const apps = keyword === 'ARG' ? assignments(args)['GIM_APPS'] : undefined;
      if (apps !== undefined) return apps.split(/\s+/).filter(Boolean).sort();
    }
  return [];
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function healthz(port: number): Promise<number | undefined> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then(
    (response) => response.status,
    () => undefined,
  );
}

describe('the image (Dockerfile)', () => {
  const dockerfileText = readFileSync(join(WORKSPACE, 'Dockerfile'), 'utf8');
  const dockerfile = parseDockerfile(dockerfileText);
  let work: TempDir;
  let image: ReplayedImage;
  let child: ChildProcess | undefined;

  before(
    async () => {
      work = await tempDir('image');
      image = await replayDockerfile(dockerfile, {
        context: WORKSPACE,
        workDir: work.path,
        env: buildEnv(),
        aptCommands: APT_COMMANDS,
      });
    },
    { timeout: 600_000 },
  );
  after(async () => {
    child?.kill('SIGKILL');
    await work?.remove();
  });

  const appDir = () => join(image.root, image.workdir);
  const entrypoint = () => {
    const [program = '', ...args] = image.entrypoint;
    return { program: join(image.root, program), args };
  };

  it('builds every app that has a build target', () => {
    const buildable = readdirSync(join(WORKSPACE, 'apps'))
      .filter((app) => {
        const project = join(WORKSPACE, 'apps', app, 'project.json');
        return (
          existsSync(project) &&
          'build' in (JSON.parse(readFileSync(project, 'utf8')) as { targets: object }).targets
        );
      })
      .sort();
    assert.deepEqual(imageApps(dockerfileText), buildable);
    assert.deepEqual(readdirSync(join(appDir(), 'dist/apps')).sort(), buildable);
  });

  it('runs as a non-root user, on the Node.js major version these tests run', () => {
    assert.match(
      image.user ?? '',
      /^[1-9]\d*(:[1-9]\d*)?$/,
      'a numeric uid (Kubernetes runAsNonRoot checks it)',
    );
    const major = process.versions.node.split('.')[0];
    for (const base of image.baseImages) assert.match(base, new RegExp(`^node:${major}(\\D|$)`), base);
  });

  it('holds production dependencies only', () => {
    const lock = JSON.parse(readFileSync(join(WORKSPACE, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const manifest = JSON.parse(readFileSync(join(WORKSPACE, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies))
      assert.ok(existsSync(join(appDir(), 'node_modules', name)), `${name} is installed`);
    const devOnly = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.dev);
    assert.ok(devOnly.length > 0);
    for (const [path] of devOnly)
      assert.ok(!existsSync(join(appDir(), path)), `${path} is a development dependency`);
  });

  it('starts standalone by name: clients connect and /healthz answers; SIGTERM stops it cleanly', async () => {
    const ports: Record<string, number> = {};
    for (const name of [
      'GIM_TCP_PORT',
      'GIM_WS_PORT',
      'GIM_TCP_GATEWAY_GRPC_PORT',
      'GIM_WS_GATEWAY_GRPC_PORT',
      'GIM_LOGIC_GRPC_PORT',
      'GIM_BUSINESS_GRPC_PORT',
      'GIM_FILE_PORT',
      'GIM_OPS_PORT',
    ])
      ports[name] = await freePort();
    const { program, args } = entrypoint();
    const started = spawn(program, [...args, 'standalone'], {
      cwd: appDir(),
      env: {
        PATH: process.env['PATH'] ?? '',
        ...image.env,
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
        GIM_INTERNAL_SECRET: randomBytes(24).toString('hex'),
        GIM_DATA_DIR: join(work.path, 'data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    started.stdout.on('data', keep);
    started.stderr.on('data', keep);
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));

    const deadline = Date.now() + 60_000;
    for (;;) {
      assert.equal(started.exitCode, null, `standalone exited before serving:\n${output}`);
      const serving =
        (await healthz(ports['GIM_OPS_PORT']!)) === 200 && (await reachable(ports['GIM_TCP_PORT']!));
      if (serving) break;
      assert.ok(Date.now() < deadline, `standalone did not serve within 60 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(existsSync(join(work.path, 'data', 'logic.sqlite')), 'its SQLite files are in GIM_DATA_DIR');

    started.kill('SIGTERM');
    assert.equal(
      await exited,
      0,
      `SIGTERM reaches node (the entry point execs it) and it exits cleanly:\n${output}`,
    );
  });

  it('refuses a missing or unknown app name, listing the apps', () => {
    const { program, args } = entrypoint();
    for (const name of [[], ['nonsense'], ['../standalone']]) {
      const result = spawnSync(program, [...args, ...name], {
        cwd: appDir(),
        env: { PATH: process.env['PATH'] ?? '', ...image.env },
        encoding: 'utf8',
      });
      assert.notEqual(result.status, 0, `exit status for ${JSON.stringify(name)}`);
      for (const app of imageApps(dockerfileText)) assert.match(result.stderr, new RegExp(`^${app}$`, 'm'));
    }
  });
});
