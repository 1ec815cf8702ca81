// The config classes of the apps a cluster deployment runs, taken from the apps as the image builds them
// (tools/scripts/build.mjs into a temporary folder), so deployment files are checked against exactly what the
// apps accept. The e2e project may not import the service libraries' sources (Nx module boundaries).
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Each app a cluster runs as its own process: the library exporting its config class, the class's name, and the
 * variables holding the addresses its service listens on (besides GIM_OPS_LISTEN).
 */
const APPS = {
  business: { lib: 'business-service', config: 'BusinessConfig', listen: ['GIM_BUSINESS_GRPC_URL'] },
  logic: { lib: 'logic-service', config: 'LogicConfig', listen: ['GIM_LOGIC_GRPC_URL'] },
  'tcp-gateway': {
    lib: 'gateway',
    config: 'GatewayConfig',
    listen: ['GIM_GATEWAY_LISTEN', 'GIM_GATEWAY_GRPC_URL'],
  },
  'ws-gateway': {
    lib: 'gateway',
    config: 'GatewayConfig',
    listen: ['GIM_GATEWAY_LISTEN', 'GIM_GATEWAY_GRPC_URL'],
  },
  file: { lib: 'file-service', config: 'FileConfig', listen: ['GIM_FILE_HTTP_URL'] },
} as const;

/** The name of an app a cluster deployment runs. */
export type ClusterApp = keyof typeof APPS;

/** The apps a cluster deployment runs, one process (container) each. */
export const CLUSTER_APPS = Object.keys(APPS) as ClusterApp[];

/** The variables through which one app calls another (host:port), and the app they must lead to. */
export const PEER_ADDRESSES: Readonly<Record<string, ClusterApp>> = {
  GIM_LOGIC_GRPC_ADDR: 'logic',
  GIM_BUSINESS_GRPC_ADDR: 'business',
  GIM_FILE_HTTP_ADDR: 'file',
};

/** The apps whose gRPC health each app's /readyz asks (business asks none: it calls logic only to push). */
export const READINESS_PEERS: Readonly<Record<ClusterApp, readonly ClusterApp[]>> = {
  business: [],
  logic: ['business'],
  'tcp-gateway': ['logic'],
  'ws-gateway': ['logic'],
  file: ['business'],
};

/** Whether `name` is an app a cluster deployment runs. */
export function isClusterApp(name: unknown): name is ClusterApp {
  return typeof name === 'string' && Object.hasOwn(APPS, name);
}

/** What an app makes of the environment a deployment gives it. */
export interface EnvCheck {
  /** variables that are not a property of the app's config class (the app would ignore them) */
  unknown: string[];
  /** every problem loadConfig names (empty when the app would start) */
  problems: string[];
  /** the loaded config, when there are no problems */
  config: Readonly<Record<string, unknown>> | undefined;
}

/** The built apps' config classes; `remove` deletes the build. */
export interface AppConfigs {
  /** Loads the app's config from `env` alone (as a container with exactly that environment would). */
  check(app: ClusterApp, env: Record<string, string>): EnvCheck;
  /** Ports the app listens on under `config`: its service port(s) and its operations port, by variable. */
  listenPorts(app: ClusterApp, config: Readonly<Record<string, unknown>>): Map<string, number>;
  remove(): void;
}

type ConfigClass = new () => object;
type LoadConfig = (cls: ConfigClass, env: Record<string, string>) => Record<string, unknown>;

/** Builds one app with tools/scripts/build.mjs (which compiles every library) and loads the config classes. */
export async function buildAppConfigs(workspace: string): Promise<AppConfigs> {
  const root = mkdtempSync(join(tmpdir(), 'gim-app-configs-'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    for (const path of ['tsconfig.base.json', 'tools/scripts/build.mjs', 'libs', 'apps/business/src'])
      cpSync(join(workspace, path), join(root, path), { recursive: true });
    symlinkSync(join(workspace, 'node_modules'), join(root, 'node_modules'));
    const built = spawnSync(process.execPath, ['tools/scripts/build.mjs', 'apps/business'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`build.mjs failed:\n${built.stdout}${built.stderr}`);
    const libs = join(root, 'dist/apps/business/libs');
    const exports = async (lib: string): Promise<Record<string, unknown>> =>
      (await import(join(libs, lib, 'src/index.js'))) as Record<string, unknown>;
    const loadConfig = (await exports('config'))['loadConfig'] as LoadConfig;
    const classes = {} as Record<ClusterApp, ConfigClass>;
    for (const app of CLUSTER_APPS)
      classes[app] = (await exports(APPS[app].lib))[APPS[app].config] as ConfigClass;
    return { check: (app, env) => check(loadConfig, classes[app], env), listenPorts, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

function check(loadConfig: LoadConfig, cls: ConfigClass, env: Record<string, string>): EnvCheck {
  const properties = new Set(Object.keys(new cls()));
  const unknown = Object.keys(env).filter((name) => !properties.has(name));
  try {
    return { unknown, problems: [], config: loadConfig(cls, env) };
  } catch (error) {
    const problems = (error as { problems?: unknown }).problems;
    if (!Array.isArray(problems)) throw error;
    return { unknown, problems: problems.map(String), config: undefined };
  }
}

function listenPorts(app: ClusterApp, config: Readonly<Record<string, unknown>>): Map<string, number> {
  const ports = new Map<string, number>();
  for (const variable of [...APPS[app].listen, 'GIM_OPS_LISTEN']) {
    const port = /:(\d+)$/.exec(String(config[variable]))?.[1];
    if (port === undefined)
      throw new Error(`${app}: ${variable} is empty; deployments name every listen address`);
    ports.set(variable, Number(port));
  }
  return ports;
}
