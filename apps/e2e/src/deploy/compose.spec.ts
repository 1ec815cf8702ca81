// deploy/compose: every gim service gets exactly the variables its app's config class has, the app would start
// with them, and the file keeps the promises its header makes (secrets required, two gateways of each kind,
// health checks on /readyz, named volumes).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { AppConfigs, buildAppConfigs, ClusterApp, isClusterApp, PEER_ADDRESSES } from './app-config';

const WORKSPACE = join(__dirname, '../../../..');
const COMPOSE_DIR = join(WORKSPACE, 'deploy/compose');

interface Service {
  build?: { context?: string };
  image?: string;
  command?: unknown;
  environment?: Record<string, unknown>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] };
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** The variables .env.example lists (commented-out ones are optional and left unset). */
function exampleVariables(): Map<string, string> {
  const text = readFileSync(join(COMPOSE_DIR, '.env.example'), 'utf8');
  return new Map(
    [...text.matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map(([, name = '', value = '']) => [name, value]),
  );
}

/** Compose's interpolation of `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`. */
function interpolate(value: unknown, vars: Map<string, string>, errors: string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => interpolate(item, vars, errors));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, vars, errors)]),
    );
  if (typeof value !== 'string') return value;
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced?: string, colon?: string, operator?: string, word?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const set = vars.get(name);
      const missing = set === undefined || (colon === ':' && set === '');
      if (operator === '-') return missing ? word! : set!;
      if (operator === '?') {
        if (missing) errors.push(`${name}: ${word}`);
        return set ?? '';
      }
      if (set === undefined) errors.push(`${name} is used without a default and is not in .env.example`);
      return set ?? '';
    },
  );
}

function loadCompose(vars: Map<string, string>): { compose: ComposeFile; errors: string[] } {
  const raw: unknown = parse(readFileSync(join(COMPOSE_DIR, 'compose.yaml'), 'utf8'), { merge: true });
  const errors: string[] = [];
  const compose = interpolate(raw, vars, errors) as ComposeFile;
  return { compose, errors };
}

/** The services running the image built from this repository, with the app each one starts. */
function gimServices(compose: ComposeFile): { name: string; app: ClusterApp; service: Service }[] {
  return Object.entries(compose.services)
    .filter(([, service]) => service.build?.context !== undefined)
    .map(([name, service]) => {
      assert.equal(
        resolve(COMPOSE_DIR, service.build!.context!),
        WORKSPACE,
        `${name} builds this repository`,
      );
      const app: unknown = Array.isArray(service.command) ? service.command[0] : service.command;
      assert.ok(isClusterApp(app), `${name} starts a gim app (got ${String(app)})`);
      return { name, app, service };
    });
}

function environment(service: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]),
  );
}

describe('deploy/compose', () => {
  const secrets = new Map(
    [...exampleVariables()].map(([name, value]) => [name, value || randomBytes(24).toString('hex')]),
  );
  let apps: AppConfigs;

  before(async () => {
    apps = await buildAppConfigs(WORKSPACE);
  });
  after(() => apps.remove());

  it('refuses to start until every secret .env.example lists is filled in', () => {
    const example = exampleVariables();
    const { errors } = loadCompose(example);
    const required = new Set(errors.map((error) => error.split(':')[0]));
    const empty = [...example].filter(([, value]) => value === '').map(([name]) => name);
    assert.deepEqual([...required].sort(), empty.sort());
    assert.ok(required.has('GIM_INTERNAL_SECRET'));
    assert.deepEqual(loadCompose(secrets).errors, []);
  });

  it('gives each app only variables its config class has, and all it needs to start', () => {
    const services = gimServices(loadCompose(secrets).compose);
    assert.deepEqual(
      new Set(services.map(({ app }) => app)),
      new Set(['business', 'logic', 'file', 'tcp-gateway', 'ws-gateway']),
    );
    for (const { name, app, service } of services) {
      const result = apps.check(app, environment(service));
      assert.deepEqual(result.unknown, [], `${name}: variables ${app} does not read`);
      assert.deepEqual(result.problems, [], `${name}: ${app} would refuse to start`);
      assert.equal(result.config?.['NODE_ENV'], 'production', name);
    }
  });

  it('runs two gateways of each kind', () => {
    const services = gimServices(loadCompose(secrets).compose);
    for (const kind of ['tcp-gateway', 'ws-gateway'])
      assert.equal(services.filter(({ app }) => app === kind).length, 2, kind);
  });

  it('checks readiness on each app operations port and publishes only ports the apps listen on', () => {
    const { compose } = loadCompose(secrets);
    for (const [name, service] of Object.entries(compose.services))
      assert.ok(service.healthcheck?.test?.length, `${name} has a health check`);
    for (const { name, app, service } of gimServices(compose)) {
      const { config } = apps.check(app, environment(service));
      assert.ok(config, `${name}: ${app} would refuse to start`);
      const ports = apps.listenPorts(app, config);
      const probe = /http:\/\/127\.0\.0\.1:(\d+)\/readyz/.exec(service.healthcheck!.test!.join(' '));
      assert.equal(Number(probe?.[1]), ports.get('GIM_OPS_LISTEN'), `${name} probes its own /readyz`);
      for (const published of service.ports ?? []) {
        const container = Number(published.split(':').at(-1));
        assert.ok(
          [...ports.values()].includes(container),
          `${name} publishes ${container}, which it listens on`,
        );
      }
    }
  });

  it('wires each app to the services it calls by name, on a port they listen on', () => {
    const { compose } = loadCompose(secrets);
    const services = gimServices(compose);
    for (const { name, service } of services) {
      const env = environment(service);
      for (const [variable, peer] of Object.entries(PEER_ADDRESSES)) {
        const address = env[variable];
        if (address === undefined) continue;
        const [host, port] = address.split(':');
        const target = services.find((candidate) => candidate.name === host);
        assert.equal(target?.app, peer, `${name}: ${variable}=${address} leads to ${peer}`);
        const { config } = apps.check(peer, environment(target.service));
        assert.ok(config && [...apps.listenPorts(peer, config).values()].includes(Number(port)), address);
      }
      for (const [variable, value] of Object.entries(env))
        if (/^(mysql|mariadb|rediss?):\/\//.test(value))
          assert.ok(compose.services[new URL(value).hostname], `${name}: ${variable} names a service`);
    }
  });

  it('keeps the database and the uploaded files on named volumes', () => {
    const { compose } = loadCompose(secrets);
    const named = new Set(Object.keys(compose.volumes ?? {}));
    const volumeAt = (service: Service | undefined, target: string) =>
      service?.volumes?.map((volume) => volume.split(':')).find(([, at]) => at === target)?.[0];
    assert.ok(named.has(volumeAt(compose.services['mariadb'], '/var/lib/mysql') ?? ''), 'MariaDB data');
    const file = gimServices(compose).find(({ app }) => app === 'file')!;
    const fileDir = environment(file.service)['GIM_FILE_DIR'] ?? '';
    assert.ok(named.has(volumeAt(file.service, fileDir) ?? ''), `the file app's GIM_FILE_DIR (${fileDir})`);
  });
});
