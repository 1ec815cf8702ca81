// room: read-diffused room messages. M signed-in WebSocket clients each join room R with PC_SUBSCRIBE_ROOM
// {room_id: R, seq: 0} and wait for its reply (code 0); then P RoomIntService.PushRoom calls of `size` bytes through
// logic's gRPC (internal credential), all in flight at once or, with --steady, one at a time; is_priority is set
// only with --priority. Measured as burst measures (see burst.ts), from the first push sent to the last delivery
// received. Checks: every client received every message of the room once, in increasing room seq order.
// Next to it, socket.io's room broadcast: M socket.io clients each join a room (server-side socket.join on their
// 'join' event) and the server sends P strings of `size` characters with io.to(room).emit, all at once or one per
// IPC round trip.
import { MessageCommand, PacketCommand, SubscribeRoomRequest } from '@gim/protocol';
import { randomInt } from 'node:crypto';
import { Baseline } from '../baseline';
import { track } from '../cleanup';
import { Gim, Mode } from '../gim';
import { GimClient, malformed, messageHead, readMessageHead } from '../gim-client';
import { openPeer, PeerClient } from '../peer-clients';
import { Goal, goalLines } from '../report';
import { Pinning } from '../system';
import { at, forEachLimited, progress, sleep } from '../util';
import { BurstResult, BurstRun, compareRuns, deliveryTable, DeliveryCounter, measure } from './burst';

export interface RoomOptions {
  /** Where each gim process writes a V8 CPU profile (none when undefined). */
  cpuProfDir?: string;
  clients: number;
  pushes: number;
  size: number;
  steady: boolean;
  priority: boolean;
  baselines: boolean;
}

export interface RoomCheck {
  clients: number;
  /** Messages each client must have received: the warm-up push and the P measured ones. */
  expectedPerClient: number;
  /** Clients that did not receive every message once. */
  incompleteClients: number;
  /** (client, message) pairs never received. */
  missing: number;
  /** Pushes of a room seq the client already had. */
  duplicated: number;
  /** Pushes whose room seq was not above the client's previous one. */
  outOfOrder: number;
  /** Connections that closed during the run. */
  closed: number;
}

export interface RoomResult extends BurstResult {
  roomId: number;
  priority: boolean;
  check: RoomCheck;
  goals: Goal[];
}

/** Name of the socket.io room the baseline's clients join. */
const PEER_ROOM = 'bench';

/** The room seqs one client received. */
class SeqLog {
  readonly seqs: Float64Array;
  count = 0;
  /** Pushes beyond the expected number (duplicates: the room had no more messages). */
  extra = 0;
  lastSeq = 0;
  outOfOrder = 0;

  constructor(expected: number) {
    this.seqs = new Float64Array(expected);
  }

  add(seq: number): void {
    if (seq <= this.lastSeq) this.outOfOrder++;
    this.lastSeq = Math.max(this.lastSeq, seq);
    if (this.count < this.seqs.length) this.seqs[this.count++] = seq;
    else this.extra++;
  }

  /** Distinct seqs received and pushes of a seq already received. */
  tally(): { distinct: number; duplicated: number } {
    const sorted = this.seqs.slice(0, this.count).sort();
    let distinct = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
    return { distinct, duplicated: this.count - distinct + this.extra };
  }
}

async function runGim(
  mode: Mode,
  pinning: Pinning,
  options: RoomOptions,
): Promise<{ run: BurstRun; roomId: number; check: RoomCheck }> {
  const gim = track(await Gim.start(mode, pinning, options.cpuProfDir));
  let clients: GimClient[] = [];
  try {
    const sessions = await gim.signInUsers(options.clients);
    clients = await gim.connect('ws', sessions, 'gim ws connections');
    const roomId = randomInt(1, 2 ** 31);
    const counter = new DeliveryCounter();
    const expected = options.pushes + 1;
    const logs = clients.map(() => new SeqLog(expected));
    clients.forEach((client, index) => {
      const log = at(logs, index);
      const head = messageHead();
      client.onPush = (bytes) => {
        if (readMessageHead(bytes, head).roomId !== roomId) return;
        log.add(head.seq);
        counter.count();
      };
    });
    const subscribe = SubscribeRoomRequest.encode({ roomId, seq: 0 }).finish();
    await forEachLimited(
      clients.length,
      64,
      async (index) => {
        const reply = await at(clients, index).request(PacketCommand.PC_SUBSCRIBE_ROOM, subscribe, 60_000);
        if (reply.code !== 0)
          throw new Error(`client ${index} could not join room ${roomId}: ${reply.code} ${reply.message}`);
      },
      `room ${roomId} subscriptions`,
    );
    const content = Buffer.alloc(options.size, 0x61);
    const push = () =>
      gim.rooms.pushRoom({
        roomId,
        command: MessageCommand.MC_UNKNOWN,
        content,
        sendTime: 0,
        isPriority: options.priority,
      });
    const processes = gim.processes();
    const run = await measure(
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
    // Late duplicates would arrive now.
    await sleep(300);
    const check: RoomCheck = {
      clients: clients.length,
      expectedPerClient: expected,
      incompleteClients: 0,
      missing: 0,
      duplicated: 0,
      outOfOrder: 0,
      closed: clients.filter((client) => client.closed).length,
    };
    for (const log of logs) {
      const { distinct, duplicated } = log.tally();
      if (distinct < expected || duplicated > 0) check.incompleteClients++;
      check.missing += Math.max(0, expected - distinct);
      check.duplicated += duplicated;
      check.outOfOrder += log.outOfOrder;
    }
    return { run, roomId, check };
  } finally {
    for (const client of clients) client.close();
    await gim.release();
  }
}

async function runSocketIo(pinning: Pinning, options: RoomOptions): Promise<BurstRun> {
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
    await forEachLimited(
      clients.length,
      64,
      (index) => at(clients, index).join(PEER_ROOM),
      'socket.io joins',
    );
    return await measure(
      {
        server: 'socket.io 4.8',
        processes: ['socket.io'],
        pids: [server.pid],
        holderPid: server.pid,
        clients: options.clients,
        pushOne: () => server.ask({ type: 'emit', count: 1, size: options.size, room: PEER_ROOM }),
        pushMany: (count) => server.ask({ type: 'emit', count, size: options.size, room: PEER_ROOM }),
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

/** gim's room, then socket.io's room broadcast unless baselines are off, with the checks and the goals. */
export async function runRoom(mode: Mode, pinning: Pinning, options: RoomOptions): Promise<RoomResult> {
  const gim = await runGim(mode, pinning, options);
  const runs = [gim.run];
  if (options.baselines) runs.push(await runSocketIo(pinning, options));
  const setting =
    options.clients === 5_000 && options.pushes === 200 && options.size === 100
      ? undefined
      : `${options.clients.toLocaleString('en-US')} subscribers × ${options.pushes} messages × ${options.size} B`;
  const how = `${gim.run.variant}${options.priority ? ', is_priority' : ''}`;
  progress(
    `room: ${gim.check.missing} missing, ${gim.check.duplicated} duplicated, ${gim.check.outOfOrder} out of order`,
  );
  return {
    roomId: gim.roomId,
    priority: options.priority,
    runs,
    ...compareRuns(runs),
    check: gim.check,
    goals: [
      {
        goal: '≥ 500,000 deliveries/s for 5,000 subscribers × 200 messages × 100 B',
        measured: `${gim.run.deliveriesPerSecond.toLocaleString('en-US')} deliveries/s (${how})`,
        met: gim.run.deliveriesPerSecond >= 500_000,
        differs: setting,
      },
      {
        goal: '≤ 0.08 server CPU-seconds per 100,000 deliveries for 5,000 subscribers × 200 messages × 100 B',
        measured: `${gim.run.serverCpuSecondsPer100kDeliveries} CPU-s/100k (${how})`,
        met: gim.run.serverCpuSecondsPer100kDeliveries <= 0.08,
        differs: setting,
      },
    ],
  };
}

/** The runs, the checks and the goals, as text. */
export function roomTable(result: RoomResult): string {
  const gim = at(result.runs, 0);
  const check = result.check;
  return [
    `room ${result.roomId}: ${gim.clients} WebSocket subscribers, ${gim.pushes} PushRoom calls ` +
      `${gim.variant === 'steady' ? 'one at a time' : 'all at once'}, is_priority ${result.priority}`,
    deliveryTable(result.runs),
    '',
    `every client, ${check.expectedPerClient} messages each (warm-up included): incomplete clients ` +
      `${check.incompleteClients}, missing ${check.missing}, duplicated ${check.duplicated}, out of order ` +
      `${check.outOfOrder}, connections closed ${check.closed} (all must be 0)`,
    '',
    ...goalLines(result.goals),
    "reference: socket.io's room broadcast was measured at ≈226,000 deliveries/s and 0.41 CPU-s/100k " +
      'on this kind of machine in that setting',
  ].join('\n');
}
