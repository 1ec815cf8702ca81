// The gim deployment under measurement: started with the e2e harness's starter (pinned, with --expose-gc and
// the memory probe preloaded), plus what the scenarios need from it: sign-ins, connections, memory, CPU.
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { businessUserExt, logicGroup, logicMessageInt, logicRoom } from '@gim/contracts';
import { createGrpcClient, GrpcClient } from '@gim/rpc';
// The deployment starter is shared with the e2e tests, which have no package alias: imported by path on purpose.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  DEV_CODE,
  Deployment,
  startCluster,
  startStandalone,
} from '../../../apps/e2e/src/support/deployment';
import { GimClient, malformed, Session, Transport } from './gim-client';
import { Pinning, rssBytes } from './system';
import { at, forEachLimited, progress, sleep } from './util';

export type Mode = 'standalone' | 'cluster';

/** Memory of one process: RSS from /proc, the rest from process.memoryUsage() after a forced GC. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Reads a process's memory through the preloaded probe (tools/bench/src/probe.ts). */
async function probeMemory(pid: number, dir: string): Promise<MemorySample> {
  const file = join(dir, `probe-${pid}.json`);
  if (existsSync(file)) unlinkSync(file);
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 15_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not answer the memory probe`);
    await sleep(10);
  }
  const usage = JSON.parse(readFileSync(file, 'utf8')) as Omit<MemorySample, 'rss'>;
  return {
    rss: rssBytes(pid),
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
  };
}

let lastLogs: (() => string) | undefined;

/** The recent output of the gim processes started last (for a failure report). */
export function recentGimLogs(): string {
  return lastLogs?.() ?? '';
}

let phoneCounter = 0;
/** A phone number no other user of this run has. */
function nextPhone(): string {
  return `+861${String(3_000_000_000 + ++phoneCounter)}`;
}

/** A running gim and clients of its business and logic gRPC services. */
export class Gim {
  private readonly users: GrpcClient<businessUserExt.UserExtServiceClient>;
  readonly messages: GrpcClient<logicMessageInt.MessageIntServiceClient>;
  readonly groups: GrpcClient<logicGroup.GroupIntServiceClient>;
  readonly rooms: GrpcClient<logicRoom.RoomIntServiceClient>;

  private constructor(
    readonly mode: Mode,
    readonly deployment: Deployment,
    private readonly probeDir: string,
  ) {
    this.users = createGrpcClient({
      address: `127.0.0.1:${deployment.ports.business}`,
      files: ['business/user.ext.proto'],
      service: 'business.UserExtService',
      deadlineMs: 60_000,
    });
    this.messages = createGrpcClient({
      address: `127.0.0.1:${deployment.ports.logic}`,
      files: ['logic/message.int.proto'],
      service: 'logic.MessageIntService',
      internalSecret: deployment.internalSecret,
      deadlineMs: 120_000,
    });
    this.groups = createGrpcClient({
      address: `127.0.0.1:${deployment.ports.logic}`,
      files: ['logic/group.int.proto'],
      service: 'logic.GroupIntService',
      internalSecret: deployment.internalSecret,
      deadlineMs: 120_000,
    });
    this.rooms = createGrpcClient({
      address: `127.0.0.1:${deployment.ports.logic}`,
      files: ['logic/room.int.proto'],
      service: 'logic.RoomIntService',
      internalSecret: deployment.internalSecret,
      deadlineMs: 120_000,
    });
  }

  /**
   * Starts gim; with `cpuProfDir`, every process writes a V8 CPU profile there when it stops; `env` adds or
   * overrides settings of every process.
   */
  static async start(
    mode: Mode,
    pinning: Pinning,
    cpuProfDir?: string,
    env: Record<string, string> = {},
  ): Promise<Gim> {
    const probeDir = mkdtempSync(join(tmpdir(), 'gim-bench-probe-'));
    const profiling = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfDir)}`];
    const launch = {
      label: 'bench',
      wrapper: pinning.serverWrapper,
      nodeArgs: ['--expose-gc', ...profiling, '-r', join(__dirname, 'probe.ts')],
      env: {
        BENCH_PROBE_DIR: probeDir,
        GIM_LOG_LEVEL: 'warn',
        // Idle connections must outlive the longest scenario; the bench signs in many sockets from one address.
        GIM_IDLE_TIMEOUT_MS: String(3_600_000),
        GIM_MAX_UNAUTHENTICATED_PER_ADDRESS: '0',
        GIM_SIGN_IN_MAX_MISSES_PER_ADDRESS: String(1_000_000),
        GIM_SIGN_IN_MAX_MISSES_PER_PHONE: String(1_000),
        ...env,
      },
    };
    progress(`starting gim (${mode})`);
    try {
      const deployment = mode === 'cluster' ? await startCluster(launch) : await startStandalone(launch);
      lastLogs = () => deployment.logs();
      return new Gim(mode, deployment, probeDir);
    } catch (error) {
      rmSync(probeDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Every gim process by name. */
  processes(): Array<{ name: string; pid: number }> {
    return this.deployment.processes();
  }

  pids(): number[] {
    return this.processes().map((each) => each.pid);
  }

  /** The process holding connections of a transport: the gateway in cluster mode, the one process otherwise. */
  gatewayPid(transport: Transport): number {
    const name = this.mode === 'cluster' ? `${transport}-gateway` : 'standalone';
    const found = this.processes().find((each) => each.name === name);
    if (!found) throw new Error(`no ${name} process`);
    return found.pid;
  }

  memory(pid: number): Promise<MemorySample> {
    return probeMemory(pid, this.probeDir);
  }

  /** Signs `count` new users in through business UserExtService.SignIn with the development code. */
  signInUsers(count: number, label = 'business SignIn'): Promise<Session[]> {
    return forEachLimited(
      count,
      32,
      async () => {
        const reply = await this.users.signIn({
          phoneNumber: nextPhone(),
          code: DEV_CODE,
          device: {
            id: 0,
            type: 1,
            brand: 'bench',
            model: 'bench',
            systemVersion: '1',
            sdkVersion: '1',
            branchPushId: '',
          },
        });
        return { userId: reply.userId, deviceId: reply.deviceId, token: reply.token };
      },
      label,
    );
  }

  /** Opens and signs in one connection per session. */
  connect(transport: Transport, sessions: Session[], label: string): Promise<GimClient[]> {
    const port = transport === 'tcp' ? this.deployment.ports.tcp : this.deployment.ports.ws;
    return forEachLimited(
      sessions.length,
      64,
      async (index) => {
        const client = await GimClient.open(transport, port);
        try {
          await client.signIn(at(sessions, index));
        } catch (error) {
          client.close();
          const why = malformed.count > 0 ? ` (malformed frames from the server: ${malformed.first})` : '';
          throw new Error(`${transport} connection ${index}: ${String(error)}${why}`);
        }
        return client;
      },
      label,
    );
  }

  async stop(): Promise<void> {
    this.users.close();
    this.messages.close();
    this.groups.close();
    this.rooms.close();
    try {
      await this.deployment.stop();
    } finally {
      rmSync(this.probeDir, { recursive: true, force: true });
    }
  }
}
