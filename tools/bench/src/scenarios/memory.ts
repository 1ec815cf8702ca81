// memory: what N idle signed-in connections cost the process holding them, over WebSocket and over TCP, next to
// a socket.io server, a bare `ws` server and a bare `net` server holding N idle sockets.
//
// For each server: open a warm-up batch of connections, wait, force GC and read the baseline; open N more, wait,
// force GC and read again. Per connection = (after - baseline) / N. The warm-up absorbs one-off growth (JIT,
// database caches filled by the first sign-ins, buffers of the first sockets).
import { Baseline } from '../baseline';
import { BaselineKind } from '../baseline-server';
import { track } from '../cleanup';
import { Gim, MemorySample, Mode } from '../gim';
import { GimClient, Transport } from '../gim-client';
import { openPeer, PeerClient } from '../peer-clients';
import { kib, mib, ratio, table } from '../report';
import { Pinning } from '../system';
import { forEachLimited, progress, round, sleep } from '../util';

export interface MemoryOptions {
  /** Where each gim process writes a V8 CPU profile (none when undefined). */
  cpuProfDir?: string;
  connections: number;
  warmup: number;
  settleMs: number;
}

export interface MemoryRow {
  server: string;
  transport: Transport;
  process: string;
  connections: number;
  warmup: number;
  baseline: MemorySample;
  after: MemorySample;
  rssPerConnectionBytes: number;
  heapPerConnectionBytes: number;
  connectSeconds: number;
}

export interface MemoryResult {
  rows: MemoryRow[];
  comparisons: Array<{ gim: string; baseline: string; rssRatio: number; heapRatio: number }>;
}

function row(
  server: string,
  transport: Transport,
  processName: string,
  options: MemoryOptions,
  baseline: MemorySample,
  after: MemorySample,
  connectSeconds: number,
): MemoryRow {
  return {
    server,
    transport,
    process: processName,
    connections: options.connections,
    warmup: options.warmup,
    baseline,
    after,
    rssPerConnectionBytes: round((after.rss - baseline.rss) / options.connections, 0),
    heapPerConnectionBytes: round((after.heapUsed - baseline.heapUsed) / options.connections, 0),
    connectSeconds: round(connectSeconds, 1),
  };
}

async function measureGim(
  mode: Mode,
  pinning: Pinning,
  transport: Transport,
  options: MemoryOptions,
): Promise<MemoryRow> {
  const gim = track(await Gim.start(mode, pinning, options.cpuProfDir));
  const clients: GimClient[] = [];
  try {
    const sessions = await gim.signInUsers(options.warmup + options.connections);
    const pid = gim.gatewayPid(transport);
    clients.push(
      ...(await gim.connect(transport, sessions.slice(0, options.warmup), `warm-up ${transport}`)),
    );
    await sleep(options.settleMs);
    const baseline = await gim.memory(pid);
    const started = Date.now();
    clients.push(
      ...(await gim.connect(transport, sessions.slice(options.warmup), `gim ${transport} connections`)),
    );
    const connectSeconds = (Date.now() - started) / 1000;
    await sleep(options.settleMs);
    const after = await gim.memory(pid);
    const closedEarly = clients.filter((client) => client.closed).length;
    if (closedEarly > 0) throw new Error(`${closedEarly} gim connections closed during the measurement`);
    const name = mode === 'cluster' ? `${transport}-gateway` : 'standalone';
    return row(`gim ${mode}`, transport, name, options, baseline, after, connectSeconds);
  } finally {
    for (const client of clients) client.close();
    await gim.release();
  }
}

async function measurePeer(kind: BaselineKind, pinning: Pinning, options: MemoryOptions): Promise<MemoryRow> {
  const server = track(await Baseline.start(kind, pinning));
  const clients: PeerClient[] = [];
  const open = (count: number, label: string) =>
    forEachLimited(count, 64, () => openPeer(kind, server.port), label);
  try {
    clients.push(...(await open(options.warmup, `warm-up ${kind}`)));
    await sleep(options.settleMs);
    const baseline = await server.memory();
    const started = Date.now();
    clients.push(...(await open(options.connections, `${kind} connections`)));
    const connectSeconds = (Date.now() - started) / 1000;
    await sleep(options.settleMs);
    const after = await server.memory();
    const names = { socketio: 'socket.io 4.8', ws: 'bare ws', net: 'bare net' } as const;
    return row(names[kind], kind === 'net' ? 'tcp' : 'ws', kind, options, baseline, after, connectSeconds);
  } finally {
    for (const client of clients) client.close();
    await server.release();
  }
}

export async function runMemory(mode: Mode, pinning: Pinning, options: MemoryOptions): Promise<MemoryResult> {
  const rows: MemoryRow[] = [];
  for (const transport of ['ws', 'tcp'] as const) {
    progress(`memory: gim over ${transport}`);
    rows.push(await measureGim(mode, pinning, transport, options));
  }
  for (const kind of ['socketio', 'ws', 'net'] as const) {
    progress(`memory: ${kind} baseline`);
    rows.push(await measurePeer(kind, pinning, options));
  }
  const [gimWs, gimTcp, socketio, ws, net] = rows as [MemoryRow, MemoryRow, MemoryRow, MemoryRow, MemoryRow];
  const compare = (gim: MemoryRow, peer: MemoryRow) => ({
    gim: `${gim.server} ${gim.transport}`,
    baseline: peer.server,
    rssRatio: round(gim.rssPerConnectionBytes / peer.rssPerConnectionBytes, 2),
    heapRatio: round(gim.heapPerConnectionBytes / peer.heapPerConnectionBytes, 2),
  });
  return { rows, comparisons: [compare(gimWs, socketio), compare(gimWs, ws), compare(gimTcp, net)] };
}

export function memoryTable(result: MemoryResult): string {
  const byTransport = (transport: Transport): MemoryRow => {
    const found = result.rows.find((each) => each.server.startsWith('gim') && each.transport === transport);
    if (!found) throw new Error(`no gim ${transport} row`);
    return found;
  };
  return table(
    [
      'server',
      'transport',
      'process',
      'conns',
      'RSS KiB/conn',
      'heap KiB/conn',
      'RSS after MiB',
      'heap after MiB',
      'gim/this RSS',
      'gim/this heap',
    ],
    result.rows.map((each) => {
      const gim = byTransport(each.transport);
      const isGim = each === gim;
      return [
        each.server,
        each.transport,
        each.process,
        each.connections,
        kib(each.rssPerConnectionBytes),
        kib(each.heapPerConnectionBytes),
        mib(each.after.rss),
        mib(each.after.heapUsed),
        isGim ? '' : ratio(gim.rssPerConnectionBytes, each.rssPerConnectionBytes),
        isGim ? '' : ratio(gim.heapPerConnectionBytes, each.heapPerConnectionBytes),
      ];
    }),
  );
}
