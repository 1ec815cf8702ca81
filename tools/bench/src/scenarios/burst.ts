// burst: M signed-in WebSocket clients, then P MessageIntService.PushToAll calls of `size` bytes through logic's
// gRPC, all in flight at once (or, with --steady, one at a time: the next once the previous call has returned).
// Next to it, a socket.io server broadcasting the same number of messages of the same size with io.emit to M
// socket.io clients (all at once, or one per IPC round trip).
//
// Measured from the first push sent to the last delivery received across all clients: deliveries/s; the CPU
// seconds the server processes used in that time (utime+stime from /proc/<pid>/stat) per 100,000 deliveries;
// their write-class syscalls per delivery (/proc/<pid>/io syscw: every write, writev, … of the process, sockets
// to clients, Redis and gRPC alike); the peak RSS of the process holding the connections; and the load
// generator's own CPU use (near 100% means the clients, not the server, set the pace).
import { MessageCommand } from '@gim/protocol';
import { Baseline } from '../baseline';
import { track } from '../cleanup';
import { Gim, Mode } from '../gim';
import { GimClient, malformed } from '../gim-client';
import { openPeer, PeerClient } from '../peer-clients';
import { mib, ratio, table } from '../report';
import {
  peakRssBytes,
  Pinning,
  resetPeakRss,
  rssBytes,
  totalCpuSeconds,
  totalWriteSyscalls,
} from '../system';
import { at, forEachLimited, progress, round } from '../util';

export interface BurstOptions {
  /** Where each gim process writes a V8 CPU profile (none when undefined). */
  cpuProfDir?: string;
  clients: number;
  pushes: number;
  size: number;
  steady: boolean;
  baselines: boolean;
}

export interface BurstRun {
  server: string;
  variant: 'burst' | 'steady';
  processes: string[];
  clients: number;
  pushes: number;
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  serverCpuSeconds: number;
  serverCpuSecondsPer100kDeliveries: number;
  writeSyscalls: number | undefined;
  writeSyscallsPerDelivery: number | undefined;
  /** Peak RSS of the process holding the client connections during the run. */
  peakRssBytes: number;
  peakRssSource: 'VmHWM' | 'sampled';
  loadGeneratorCpuPercent: number;
}

export interface BurstResult {
  runs: BurstRun[];
  comparison?: { deliveriesPerSecondRatio: number; cpuPerDeliveryRatio: number };
}

/** Counts deliveries across all clients and resolves when the expected number has arrived. */
export class DeliveryCounter {
  received = 0;
  private target = Infinity;
  private done: (() => void) | undefined;
  lastAt = 0;

  readonly count = (): void => {
    if (++this.received === this.target) {
      this.lastAt = performance.now();
      this.done?.();
    }
  };

  /** Resets the count and resolves once `target` deliveries arrived; rejects when `broken()` says so or on timeout. */
  expect(target: number, broken: () => string | undefined, timeoutMs: number): Promise<void> {
    this.received = 0;
    this.target = target;
    return new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        const why = broken() ?? (Date.now() > deadline ? `timed out after ${timeoutMs} ms` : undefined);
        if (why) finish(new Error(`${why} (${this.received}/${target} deliveries)`));
      }, 250);
      const deadline = Date.now() + timeoutMs;
      const finish = (error?: Error) => {
        clearInterval(check);
        this.done = undefined;
        if (error) reject(error);
        else resolve();
      };
      this.done = () => finish();
    });
  }
}

/** A server under measurement, as measure() drives it. */
export interface Target {
  server: string;
  processes: string[];
  pids: number[];
  holderPid: number;
  clients: number;
  /** Sends one push; resolves when the server has taken it (gRPC reply, IPC answer). */
  pushOne(): Promise<unknown>;
  /** Sends `count` pushes at once; resolves when all were taken. */
  pushMany(count: number): Promise<unknown>;
  counter: DeliveryCounter;
  broken(): string | undefined;
}

/** One warm-up push, then P pushes all at once or one at a time, measured from the first push to the last delivery. */
export async function measure(
  target: Target,
  options: Pick<BurstOptions, 'pushes'>,
  variant: 'burst' | 'steady',
): Promise<BurstRun> {
  const { counter } = target;
  const timeoutMs = 300_000;
  progress(`${target.server}: warm-up push`);
  const warm = counter.expect(target.clients, () => target.broken(), timeoutMs);
  await target.pushOne();
  await warm;

  const deliveries = target.clients * options.pushes;
  progress(`${target.server}: ${variant}, ${options.pushes} pushes to ${target.clients} clients`);
  const hwm = resetPeakRss(target.holderPid);
  let sampledPeak = rssBytes(target.holderPid);
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, rssBytes(target.holderPid));
  }, 20);
  const cpuBefore = totalCpuSeconds(target.pids);
  const writesBefore = totalWriteSyscalls(target.pids);
  const ownCpu = process.cpuUsage();
  const arrived = counter.expect(deliveries, () => target.broken(), timeoutMs);
  const started = performance.now();
  let taken: Promise<unknown>;
  if (variant === 'burst') {
    taken = target.pushMany(options.pushes);
  } else {
    taken = (async () => {
      for (let i = 0; i < options.pushes; i++) await target.pushOne();
    })();
  }
  await Promise.all([arrived, taken]);
  const seconds = (counter.lastAt - started) / 1000;
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = totalCpuSeconds(target.pids) - cpuBefore;
  const writesAfter = totalWriteSyscalls(target.pids);
  const own = process.cpuUsage(ownCpu);
  clearInterval(sampler);
  sampledPeak = Math.max(sampledPeak, rssBytes(target.holderPid));
  const writes =
    writesBefore === undefined || writesAfter === undefined ? undefined : writesAfter - writesBefore;
  return {
    server: target.server,
    variant,
    processes: target.processes,
    clients: target.clients,
    pushes: options.pushes,
    deliveries,
    seconds: round(seconds, 3),
    deliveriesPerSecond: round(deliveries / seconds, 0),
    serverCpuSeconds: round(cpu, 2),
    serverCpuSecondsPer100kDeliveries: round((cpu / deliveries) * 100_000, 3),
    writeSyscalls: writes,
    writeSyscallsPerDelivery: writes === undefined ? undefined : round(writes / deliveries, 4),
    peakRssBytes: hwm ? Math.max(peakRssBytes(target.holderPid), sampledPeak) : sampledPeak,
    peakRssSource: hwm ? 'VmHWM' : 'sampled',
    loadGeneratorCpuPercent: round(((own.user + own.system) / 1e6 / wallSeconds) * 100, 0),
  };
}

async function runGim(mode: Mode, pinning: Pinning, options: BurstOptions): Promise<BurstRun> {
  const gim = track(await Gim.start(mode, pinning, options.cpuProfDir));
  let clients: GimClient[] = [];
  try {
    const sessions = await gim.signInUsers(options.clients);
    clients = await gim.connect('ws', sessions, 'gim ws connections');
    const counter = new DeliveryCounter();
    for (const client of clients) client.onPush = counter.count;
    const content = Buffer.alloc(options.size, 0x61);
    const push = () => gim.messages.pushToAll({ command: MessageCommand.MC_USER_MESSAGE, content });
    const processes = gim.processes();
    return await measure(
      {
        server: `gim ${mode}`,
        processes: processes.map((each) => each.name),
        pids: processes.map((each) => each.pid),
        holderPid: gim.gatewayPid('ws'),
        clients: options.clients,
        pushOne: push,
        pushMany: (count) => Promise.all(Array.from({ length: count }, push)),
        counter,
        broken: () => {
          const closed = clients.filter((client) => client.closed).length;
          if (closed === 0) return undefined;
          const why =
            malformed.count > 0 ? `; ${malformed.count} malformed frames, first ${malformed.first}` : '';
          return `${closed} gim connections closed${why}`;
        },
      },
      options,
      options.steady ? 'steady' : 'burst',
    );
  } finally {
    for (const client of clients) client.close();
    await gim.release();
  }
}

async function runSocketIo(pinning: Pinning, options: BurstOptions): Promise<BurstRun> {
  const server = track(await Baseline.start('socketio', pinning));
  let clients: PeerClient[] = [];
  try {
    const counter = new DeliveryCounter();
    clients = await forEachLimited(
      options.clients,
      64,
      () => openPeer('socketio', server.port, counter.count),
      'socket.io connections',
    );
    return await measure(
      {
        server: 'socket.io 4.8',
        processes: ['socket.io'],
        pids: [server.pid],
        holderPid: server.pid,
        clients: options.clients,
        pushOne: () => server.ask({ type: 'emit', count: 1, size: options.size }),
        pushMany: (count) => server.ask({ type: 'emit', count, size: options.size }),
        counter,
        broken: () => undefined,
      },
      options,
      options.steady ? 'steady' : 'burst',
    );
  } finally {
    for (const client of clients) client.close();
    await server.release();
  }
}

export async function runBurst(mode: Mode, pinning: Pinning, options: BurstOptions): Promise<BurstResult> {
  const runs = [await runGim(mode, pinning, options)];
  if (options.baselines) runs.push(await runSocketIo(pinning, options));
  return { runs, ...compareRuns(runs) };
}

/** gim's rate and CPU per delivery over the baseline's, when both ran (the first run is gim's). */
export function compareRuns(runs: BurstRun[]): Pick<BurstResult, 'comparison'> {
  const [gim, baseline] = runs;
  if (!gim || !baseline) return {};
  return {
    comparison: {
      deliveriesPerSecondRatio: round(gim.deliveriesPerSecond / baseline.deliveriesPerSecond, 2),
      cpuPerDeliveryRatio: round(
        gim.serverCpuSecondsPer100kDeliveries / baseline.serverCpuSecondsPer100kDeliveries,
        2,
      ),
    },
  };
}

/** The table of delivery runs, gim's first; the last two columns compare gim with each other row. */
export function deliveryTable(runs: BurstRun[]): string {
  const gim = at(runs, 0);
  return table(
    [
      'server',
      'variant',
      'clients',
      'pushes',
      'deliveries',
      'seconds',
      'deliveries/s',
      'CPU s/100k',
      'writes/delivery',
      'peak RSS MiB',
      'loadgen CPU %',
      'gim/this rate',
      'gim/this CPU',
    ],
    runs.map((run) => [
      run.server,
      run.variant,
      run.clients,
      run.pushes,
      run.deliveries,
      run.seconds,
      run.deliveriesPerSecond,
      run.serverCpuSecondsPer100kDeliveries,
      run.writeSyscallsPerDelivery ?? NaN,
      mib(run.peakRssBytes),
      run.loadGeneratorCpuPercent,
      run === gim ? '' : ratio(gim.deliveriesPerSecond, run.deliveriesPerSecond),
      run === gim ? '' : ratio(gim.serverCpuSecondsPer100kDeliveries, run.serverCpuSecondsPer100kDeliveries),
    ]),
  );
}

/** The burst runs as text. */
export function burstTable(result: BurstResult): string {
  return deliveryTable(result.runs);
}
