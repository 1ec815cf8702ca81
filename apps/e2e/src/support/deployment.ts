import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createTestDatabase, freePort, tempDir, testRedisUrl, uniquePrefix } from '@gim/testing';

const WORKSPACE = join(__dirname, '../../../..');

/** The verification code the development verifier accepts in these tests. */
export const DEV_CODE = '246810';

/** The gateways' GIM_DRAIN_WINDOW_MS unless a test sets its own: short, so that stopping a deployment is quick. */
const E2E_DRAIN_WINDOW_MS = 300;

/** Where a running deployment listens. */
export interface Ports {
  tcp: number;
  ws: number;
  logic: number;
  business: number;
  /** the file app's HTTP port (POST /upload, GET /file/<name>) */
  file: number;
  /** each process's operations HTTP port (/healthz, /readyz, /metrics), by process name */
  ops: Record<string, number>;
  /** client ports of the extra tcp-gateway processes (`tcp-gateway-2`, …; ClusterOptions.extraTcpGateways) */
  extraTcp: number[];
}

/** How a process ended: its exit code (or the signal that killed it) and how long after the signal. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
  ms: number;
}

/**
 * How the app processes are launched. Tests use the defaults; the benchmark (tools/bench) pins the processes to a
 * core and starts them instrumented.
 */
export interface LaunchOptions {
  /** Variables for every app process, applied over the deployment's own. */
  env?: Record<string, string>;
  /** Node flags placed before the entry point, e.g. `--expose-gc`. */
  nodeArgs?: string[];
  /** A command node is started through, e.g. `['taskset', '-c', '0']`; it must exec node in place. */
  wrapper?: string[];
  /** Names the database and the Redis key prefix; `e2e` by default. */
  label?: string;
  /** How many characters of each process's output `logs()` keeps (the latest); 20 000 by default. */
  keepOutput?: number;
}

/** One app process started from source, with its output kept for failure reports. */
class AppProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly readyPorts: number[],
    private readonly launch: LaunchOptions = {},
  ) {}

  /** The running process's id. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const [command = process.execPath, ...prefix] = [...(this.launch.wrapper ?? []), process.execPath];
    const args = [
      ...prefix,
      '--enable-source-maps',
      '-r',
      '@swc-node/register',
      ...(this.launch.nodeArgs ?? []),
      this.entry,
    ];
    const child = spawn(command, args, {
      cwd: WORKSPACE,
      env: {
        ...process.env,
        ...this.env,
        ...this.launch.env,
        SWC_NODE_PROJECT: join(WORKSPACE, 'tsconfig.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-(this.launch.keepOutput ?? 20_000));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`${this.name} exited (${code ?? signal}) before it was ready:\n${this.output}`)),
      ),
    );
    await Promise.race([Promise.all(this.readyPorts.map((port) => waitForPort(port, 90_000))), exited]);
    exited.catch(() => undefined);
  }

  /** Sends a signal and waits for the process to exit (SIGKILL after `killAfterMs`); undefined if not running. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 10_000): Promise<ProcessExit | undefined> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
    const sentAt = Date.now();
    const exited = new Promise<ProcessExit>((resolve) =>
      child.once('exit', (code, exitSignal) =>
        resolve({ code, signal: exitSignal, ms: Date.now() - sentAt }),
      ),
    );
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  }

  /** The process's recent output, for assertion messages. */
  logs(): string {
    return this.output;
  }
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A running gim (cluster or standalone) under test. */
export interface Deployment {
  mode: 'cluster' | 'standalone';
  ports: Ports;
  internalSecret: string;
  /** The folder the file app keeps uploaded files in. */
  filesDir: string;
  /** Cluster only: the Redis the deployment uses and the prefix of its keys and channels. */
  redis?: { url: string; prefix: string };
  /** Kills (SIGKILL) what holds WebSocket connections — the ws-gateway process, or the whole standalone process — and starts it again. */
  killAndRestartWsGateway(): Promise<void>;
  /**
   * Sends one process (by name, see `processes()`) a signal and resolves with how it exited (SIGKILL after
   * `killAfterMs`); rejects when no such process runs.
   */
  stopProcess(name: string, signal?: NodeJS.Signals, killAfterMs?: number): Promise<ProcessExit>;
  /** Stops everything and removes its data. */
  stop(): Promise<void>;
  /** The running app processes by name (`standalone`, or `business`, `logic`, `tcp-gateway`, `ws-gateway`, `file`). */
  processes(): Array<{ name: string; pid: number }>;
  /** Every process's recent output. */
  logs(): string;
}

async function allocatePorts(
  processNames: readonly string[],
  extraTcpGateways = 0,
): Promise<Ports & { tcpGrpc: number; wsGrpc: number; extraTcpGrpc: number[] }> {
  const ops: Record<string, number> = {};
  for (const name of processNames) ops[name] = await freePort();
  const extraTcp: number[] = [];
  const extraTcpGrpc: number[] = [];
  for (let index = 0; index < extraTcpGateways; index++) {
    ops[extraTcpGatewayName(index)] = await freePort();
    extraTcp.push(await freePort());
    extraTcpGrpc.push(await freePort());
  }
  const [tcp, ws, tcpGrpc, wsGrpc, logic, business, file] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  return {
    tcp: tcp!,
    ws: ws!,
    tcpGrpc: tcpGrpc!,
    wsGrpc: wsGrpc!,
    logic: logic!,
    business: business!,
    file: file!,
    ops,
    extraTcp,
    extraTcpGrpc,
  };
}

/** The process name of the `index`-th extra tcp-gateway: tcp-gateway-2, tcp-gateway-3, … */
function extraTcpGatewayName(index: number): string {
  return `tcp-gateway-${index + 2}`;
}

/** The process named `name` among `apps`, stopped with `signal`. */
async function stopOne(
  apps: AppProcess[],
  name: string,
  signal: NodeJS.Signals = 'SIGTERM',
  killAfterMs?: number,
): Promise<ProcessExit> {
  const app = apps.find((each) => each.name === name);
  const exit = await app?.stop(signal, killAfterMs);
  if (exit === undefined) throw new Error(`no running process named ${name}`);
  return exit;
}

/** The processes of a cluster deployment. */
const CLUSTER_PROCESSES = ['business', 'logic', 'tcp-gateway', 'ws-gateway', 'file'] as const;

/** What a test may choose about the cluster it starts. */
export interface ClusterOptions {
  /** The Redis for presence and fan-out; the shared test Redis by default. */
  redisUrl?: string;
  /** The gateways' GIM_LEASE_SECONDS; 3 by default. */
  leaseSeconds?: number;
  /** More tcp-gateway processes besides the first (`tcp-gateway-2`, …), each with its own ports; 0 by default. */
  extraTcpGateways?: number;
}

/**
 * Runs `start` again (with new ports) when a port picked by freePort was taken by someone else before the app
 * bound it: other suites listen on ephemeral ports at the same time.
 */
async function retryOnPortClash(start: () => Promise<Deployment>, attempts = 3): Promise<Deployment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}

/** Starts business, logic, tcp-gateway, ws-gateway and file as five processes on MariaDB + Redis. */
export function startCluster(options: ClusterOptions & LaunchOptions = {}): Promise<Deployment> {
  return retryOnPortClash(() => startClusterOnce(options));
}

/** Starts `npm start`'s entry point: every service in one process with SQLite files in a temp folder. */
export function startStandalone(options: LaunchOptions = {}): Promise<Deployment> {
  return retryOnPortClash(() => startStandaloneOnce(options));
}

/** The processes of a deployment that are running, by name. */
function running(apps: AppProcess[]): Array<{ name: string; pid: number }> {
  return apps.flatMap((app) => (app.pid === undefined ? [] : [{ name: app.name, pid: app.pid }]));
}

async function startClusterOnce(options: ClusterOptions & LaunchOptions): Promise<Deployment> {
  const redisUrl = options.redisUrl ?? testRedisUrl();
  const label = options.label ?? 'e2e';
  const ports = await allocatePorts(CLUSTER_PROCESSES, options.extraTcpGateways);
  const database = await createTestDatabase(label);
  const files = await tempDir(`${label}-files`);
  const prefix = uniquePrefix(label);
  const internalSecret = randomBytes(24).toString('base64url');
  const common = {
    NODE_ENV: 'test',
    GIM_INTERNAL_SECRET: internalSecret,
    GIM_LOG_LEVEL: 'warn',
    GIM_DRAIN_WINDOW_MS: String(E2E_DRAIN_WINDOW_MS),
    GIM_REDIS_URL: redisUrl,
    GIM_REDIS_PREFIX: prefix,
    GIM_LOGIC_GRPC_ADDR: `127.0.0.1:${ports.logic}`,
    GIM_BUSINESS_GRPC_ADDR: `127.0.0.1:${ports.business}`,
  };
  const business = new AppProcess(
    'business',
    'apps/business/src/main.ts',
    {
      ...common,
      GIM_BUSINESS_GRPC_URL: `127.0.0.1:${ports.business}`,
      GIM_BUSINESS_DB_URL: database.url,
      GIM_FILE_HTTP_ADDR: `127.0.0.1:${ports.file}`,
      GIM_DEV_VERIFICATION_CODE: DEV_CODE,
      GIM_OPS_LISTEN: `127.0.0.1:${ports.ops['business']}`,
    },
    [ports.business],
    options,
  );
  const logic = new AppProcess(
    'logic',
    'apps/logic/src/main.ts',
    {
      ...common,
      GIM_LOGIC_GRPC_URL: `127.0.0.1:${ports.logic}`,
      GIM_LOGIC_DB_URL: database.url,
      GIM_OPS_LISTEN: `127.0.0.1:${ports.ops['logic']}`,
    },
    [ports.logic],
    options,
  );
  const gateway = (name: string, listen: number, grpc: number, app = name) =>
    new AppProcess(
      name,
      `apps/${app}/src/main.ts`,
      {
        ...common,
        GIM_GATEWAY_LISTEN: `127.0.0.1:${listen}`,
        GIM_GATEWAY_GRPC_URL: `127.0.0.1:${grpc}`,
        GIM_LEASE_SECONDS: String(options.leaseSeconds ?? 3),
        GIM_OPS_LISTEN: `127.0.0.1:${ports.ops[name]}`,
      },
      [listen, grpc],
      options,
    );
  const tcpGateway = gateway('tcp-gateway', ports.tcp, ports.tcpGrpc);
  const wsGateway = gateway('ws-gateway', ports.ws, ports.wsGrpc);
  const extraTcpGateways = ports.extraTcp.map((port, index) =>
    gateway(extraTcpGatewayName(index), port, ports.extraTcpGrpc[index] ?? 0, 'tcp-gateway'),
  );
  const file = new AppProcess(
    'file',
    'apps/file/src/main.ts',
    {
      ...common,
      GIM_FILE_HTTP_URL: `127.0.0.1:${ports.file}`,
      GIM_FILE_DB_URL: database.url,
      GIM_FILE_DIR: files.path,
      GIM_OPS_LISTEN: `127.0.0.1:${ports.ops['file']}`,
    },
    [ports.file],
    options,
  );
  const gateways = [tcpGateway, wsGateway, ...extraTcpGateways];
  const all = [business, logic, ...gateways, file];
  try {
    // Start logic, business and file together (each applies its own schema), then the gateways.
    await Promise.all([business.start(), logic.start(), file.start()]);
    await Promise.all(gateways.map((each) => each.start()));
  } catch (error) {
    await Promise.all(all.map((app) => app.stop('SIGKILL')));
    await database.drop();
    await files.remove();
    throw error;
  }
  return {
    mode: 'cluster',
    ports,
    internalSecret,
    filesDir: files.path,
    redis: { url: redisUrl, prefix },
    async killAndRestartWsGateway() {
      await wsGateway.stop('SIGKILL');
      await wsGateway.start();
    },
    stopProcess: (name, signal, killAfterMs) => stopOne(all, name, signal, killAfterMs),
    async stop() {
      await Promise.all([...gateways.map((each) => each.stop()), file.stop()]);
      await Promise.all([business.stop(), logic.stop()]);
      await database.drop();
      await files.remove();
      await deleteKeys(prefix, redisUrl);
    },
    processes: () => running(all),
    logs: () => all.map((app) => `--- ${app.name}\n${app.logs()}`).join('\n'),
  };
}

async function startStandaloneOnce(options: LaunchOptions): Promise<Deployment> {
  const ports = await allocatePorts(['standalone']);
  const data = await tempDir(`${options.label ?? 'e2e'}-standalone`);
  const internalSecret = randomBytes(24).toString('base64url');
  const app = new AppProcess(
    'standalone',
    'apps/standalone/src/main.ts',
    {
      NODE_ENV: 'test',
      GIM_INTERNAL_SECRET: internalSecret,
      GIM_LOG_LEVEL: 'warn',
      GIM_DRAIN_WINDOW_MS: String(E2E_DRAIN_WINDOW_MS),
      GIM_DATA_DIR: data.path,
      GIM_TCP_PORT: String(ports.tcp),
      GIM_WS_PORT: String(ports.ws),
      GIM_TCP_GATEWAY_GRPC_PORT: String(ports.tcpGrpc),
      GIM_WS_GATEWAY_GRPC_PORT: String(ports.wsGrpc),
      GIM_LOGIC_GRPC_PORT: String(ports.logic),
      GIM_BUSINESS_GRPC_PORT: String(ports.business),
      GIM_FILE_PORT: String(ports.file),
      GIM_OPS_PORT: String(ports.ops['standalone']),
      GIM_DEV_VERIFICATION_CODE: DEV_CODE,
    },
    [ports.tcp, ports.ws, ports.logic, ports.business, ports.file],
    options,
  );
  await app.start().catch(async (error: unknown) => {
    await data.remove();
    throw error;
  });
  return {
    mode: 'standalone',
    ports,
    internalSecret,
    filesDir: join(data.path, 'files'),
    async killAndRestartWsGateway() {
      await app.stop('SIGKILL');
      await app.start();
    },
    stopProcess: (name, signal, killAfterMs) => stopOne([app], name, signal, killAfterMs),
    async stop() {
      await app.stop();
      await data.remove();
    },
    processes: () => running([app]),
    logs: () => app.logs(),
  };
}

async function deleteKeys(prefix: string, url: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
