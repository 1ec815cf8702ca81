// group: persisted group messages. `members` users signed in and online (alternately over TCP and WebSocket) in
// one group (GroupIntService.Create, then AddMember for every 500 more). Every message is a PC_SEND_MESSAGE with
// to_group_id, `size` bytes and its own client_msg_id; every member gets an inbox row and a live PC_MESSAGE.
//
// Phase 1, closed loop: `senders` members each send their next message when the reply to the previous one
// arrives, for `duration` seconds: acknowledged messages/s, inbox rows/s (acknowledged × members), reply latency.
// Phase 2, open loop: one member sends `rate` messages/s on a fixed schedule for `duration` seconds: for each
// message, the time from its scheduled send to its arrival at the last online member, and at the median one.
// Checks: every member received every acknowledged message live exactly once (by message id) with its seqs
// rising strictly, and one member's inbox (PC_SYNC, page by page) holds every acknowledged message once.
import { logicGroup } from '@gim/contracts';
import {
  Message,
  MessageCommand,
  PacketCommand,
  SendMessageReply,
  SendMessageRequest,
  SyncReply,
  SyncRequest,
} from '@gim/protocol';
import { randomBytes } from 'node:crypto';
import { track } from '../cleanup';
import { Gim, Mode } from '../gim';
import { GimClient, messageHead, readMessageHead, Session } from '../gim-client';
import { Goal, goalLines, table } from '../report';
import { cpuSeconds, Pinning } from '../system';
import { at, nowMs, percentile, progress, round, Samples, sleep } from '../util';
import { openLoop, roundSummary } from './direct';

export interface GroupOptions {
  /** Where each gim process writes a V8 CPU profile (none when undefined). */
  cpuProfDir?: string;
  members: number;
  senders: number;
  size: number;
  durationSeconds: number;
  rate: number;
}

type Summary = ReturnType<Samples['summary']>;

export interface GroupPhase {
  name: string;
  offeredPerSecond: number | undefined;
  senders: number;
  /** From the first send to the last reply. */
  seconds: number;
  sent: number;
  acknowledged: number;
  acknowledgedPerSecond: number;
  /** Acknowledged messages × members, per second: every member's inbox gets a row for each message. */
  inboxRowsPerSecond: number;
  failedByCode: Record<string, number>;
  replyLatencyMs: Summary;
  /** From the last reply until every member had every acknowledged message of the phase; NaN when some never came. */
  drainSeconds: number;
  /** CPU seconds of the server processes from the first send until the phase drained. */
  serverCpuSeconds: number;
  serverCpuPercent: number;
  /** CPU use of each server process during the phase, in percent of one core. */
  serverCpuPercentByProcess: Record<string, number>;
}

export interface GroupLatency {
  phase: string;
  /** Acknowledged messages of the phase that every member received (the latencies are theirs). */
  messages: number;
  /** Scheduled send → arrival at the last member to receive it. */
  lastMemberMs: Summary;
  /** Scheduled send → arrival at the median member. */
  medianMemberMs: Summary;
}

export interface GroupCheck {
  acknowledged: number;
  livePushes: number;
  /** (member, acknowledged message) pairs with no live push. */
  missing: number;
  /** Live pushes of a message the member already had. */
  duplicated: number;
  /** Live pushes whose seq was not above the member's previous group message's. */
  seqNotIncreasing: number;
  /** Acknowledged message ids given to two different sends. */
  idsReused: number;
  /** Connections that closed during the run. */
  closed: number;
  /** Messages delivered although their send failed (stored before the failure): not an error, told for completeness. */
  deliveredAfterFailedSend: number;
  sync: {
    member: number;
    groupMessages: number;
    /** Acknowledged messages the synced inbox does not hold. */
    missing: number;
    /** Messages the synced inbox holds under two seqs. */
    duplicated: number;
  };
}

export interface GroupResult {
  groupId: number;
  members: number;
  transports: { tcp: number; ws: number };
  /** Settings the bench gave gim beyond its usual ones (a higher GIM_GROUP_MAX_MEMBERS for big groups). */
  settings: Record<string, string>;
  phases: GroupPhase[];
  latency: GroupLatency;
  check: GroupCheck;
  goals: Goal[];
}

/** logic's MAX_MEMBERS_PER_CALL: members one Create or AddMember call may name. */
const MEMBERS_PER_CALL = 500;
/** logic's default GIM_GROUP_MAX_MEMBERS. */
const DEFAULT_MAX_MEMBERS = 1000;

/** What one member's connection received of the group's chat messages. */
class MemberLog {
  readonly ids = new Samples();
  lastSeq = 0;
  seqNotIncreasing = 0;
  /** Arrival time by message id, kept only while latencies are measured. */
  arrivals: Map<number, number> | undefined;
}

class Phase {
  readonly reply = new Samples();
  readonly failed = new Map<string, number>();
  sent = 0;
  acknowledged = 0;
  lastReplyAt = 0;

  constructor(
    readonly index: number,
    readonly name: string,
    readonly offered: number | undefined,
    readonly senders: number,
  ) {}

  fail(code: string): void {
    this.failed.set(code, (this.failed.get(code) ?? 0) + 1);
  }
}

/** A profile for Create: only the name matters. */
function profile(name: string): logicGroup.Group {
  return { id: 0, name, avatarUrl: '', introduction: '', extra: '', memberCount: 0, dissolved: false };
}

function member(session: Session, type: logicGroup.GroupMemberType): logicGroup.GroupMember {
  return {
    userId: session.userId,
    nickname: '',
    type,
    status: logicGroup.GroupMemberStatus.GMS_NORMAL,
    extra: '',
  };
}

/** Creates one group holding every session, the first as its owner; returns its id. */
async function createGroup(gim: Gim, sessions: Session[]): Promise<number> {
  const { groupId } = await gim.groups.create({
    group: profile('bench'),
    members: sessions
      .slice(0, MEMBERS_PER_CALL)
      .map((session, index) =>
        member(
          session,
          index === 0 ? logicGroup.GroupMemberType.GMT_OWNER : logicGroup.GroupMemberType.GMT_MEMBER,
        ),
      ),
  });
  for (let from = MEMBERS_PER_CALL; from < sessions.length; from += MEMBERS_PER_CALL) {
    await gim.groups.addMember({
      groupId,
      members: sessions
        .slice(from, from + MEMBERS_PER_CALL)
        .map((session) => member(session, logicGroup.GroupMemberType.GMT_MEMBER)),
    });
  }
  const count = (await gim.groups.get({ groupId })).group?.memberCount ?? 0;
  if (count !== sessions.length)
    throw new Error(`group ${groupId} has ${count} members, not ${sessions.length}`);
  return groupId;
}

/** Connects every session, even indexes over TCP and odd ones over WebSocket; the clients in session order. */
async function connectAlternately(gim: Gim, sessions: Session[]): Promise<GimClient[]> {
  const tcp = await gim.connect(
    'tcp',
    sessions.filter((_, index) => index % 2 === 0),
    'members over TCP',
  );
  const ws = await gim.connect(
    'ws',
    sessions.filter((_, index) => index % 2 === 1),
    'members over WebSocket',
  );
  return sessions.map((_, index) => at(index % 2 === 0 ? tcp : ws, Math.floor(index / 2)));
}

/** Runs both phases against a fresh gim, then the checks; see the file's opening comment. */
export async function runGroup(mode: Mode, pinning: Pinning, options: GroupOptions): Promise<GroupResult> {
  const settings: Record<string, string> =
    options.members > DEFAULT_MAX_MEMBERS ? { GIM_GROUP_MAX_MEMBERS: String(options.members) } : {};
  const gim = track(await Gim.start(mode, pinning, options.cpuProfDir, settings));
  let clients: GimClient[] = [];
  try {
    const sessions = await gim.signInUsers(options.members);
    progress(`group: creating a group of ${options.members}`);
    const groupId = await createGroup(gim, sessions);
    clients = await connectAlternately(gim, sessions);
    const logs = clients.map(() => new MemberLog());
    let livePushes = 0;
    clients.forEach((client, index) => {
      const log = at(logs, index);
      const head = messageHead();
      client.onPush = (bytes) => {
        const arrivedAt = nowMs();
        readMessageHead(bytes, head);
        if (head.command !== MessageCommand.MC_GROUP_CHAT) return;
        livePushes++;
        log.ids.add(head.messageId);
        if (head.seq <= log.lastSeq) log.seqNotIncreasing++;
        log.lastSeq = Math.max(log.lastSeq, head.seq);
        log.arrivals?.set(head.messageId, arrivedAt);
      };
    });

    const run = randomBytes(3).toString('hex');
    /** Scheduled send time and phase of every acknowledged message, by message id. */
    const acknowledged = new Map<number, { phase: number; scheduledAt: number }>();
    let idsReused = 0;
    let counter = 0;
    const processes = gim.processes();

    const send = async (phase: Phase, sender: number, scheduledAt: number): Promise<void> => {
      const clientMsgId = `${run}-${phase.index}-${sender}-${++counter}`;
      const text = `${clientMsgId}|${scheduledAt.toFixed(3)}|`;
      const content = Buffer.alloc(Math.max(options.size, text.length), '.');
      content.write(text);
      phase.sent++;
      const request = SendMessageRequest.encode({
        clientMsgId,
        toUserId: 0,
        toGroupId: groupId,
        toRoomId: 0,
        content,
      }).finish();
      try {
        const reply = await at(clients, sender).request(PacketCommand.PC_SEND_MESSAGE, request, 30_000);
        const now = nowMs();
        if (reply.code !== 0) {
          phase.fail(String(reply.code));
          return;
        }
        const { messageId } = SendMessageReply.decode(reply.data);
        if (acknowledged.has(messageId)) idsReused++;
        acknowledged.set(messageId, { phase: phase.index, scheduledAt });
        phase.acknowledged++;
        phase.reply.add(now - scheduledAt);
        phase.lastReplyAt = Math.max(phase.lastReplyAt, now);
      } catch (error) {
        phase.fail(String(error).includes('no reply') ? 'timeout' : 'closed');
      }
    };

    /** Waits until every member has every acknowledged message so far; the time it came, or NaN after a timeout. */
    const drained = async (): Promise<number> => {
      const expected = acknowledged.size * options.members;
      const deadline = Date.now() + 60_000;
      while (livePushes < expected) {
        const closed = clients.filter((client) => client.closed).length;
        if (Date.now() > deadline || closed > 0) {
          const why = closed > 0 ? `${closed} connections closed` : 'waited 60 s';
          progress(`group: ${expected - livePushes} live pushes still missing (${why}); going on`);
          return NaN;
        }
        await sleep(2);
      }
      return nowMs();
    };

    const measurePhase = async (phase: Phase, drive: () => Promise<void>): Promise<GroupPhase> => {
      progress(`group: ${phase.name}`);
      const cpuBefore = processes.map((each) => cpuSeconds(each.pid));
      const started = nowMs();
      await drive();
      const lastAt = await drained();
      const wall = (nowMs() - started) / 1000;
      const cpuUsed = processes.map((each, i) => cpuSeconds(each.pid) - at(cpuBefore, i));
      const cpu = cpuUsed.reduce((sum, each) => sum + each, 0);
      const seconds = (Math.max(phase.lastReplyAt, started + 1) - started) / 1000;
      const result: GroupPhase = {
        name: phase.name,
        offeredPerSecond: phase.offered,
        senders: phase.senders,
        seconds: round(seconds, 2),
        sent: phase.sent,
        acknowledged: phase.acknowledged,
        acknowledgedPerSecond: round(phase.acknowledged / seconds, 1),
        inboxRowsPerSecond: round((phase.acknowledged * options.members) / seconds, 0),
        failedByCode: Object.fromEntries(phase.failed),
        replyLatencyMs: roundSummary(phase.reply.summary()),
        drainSeconds: round((lastAt - Math.max(phase.lastReplyAt, started)) / 1000, 3),
        serverCpuSeconds: round(cpu, 2),
        serverCpuPercent: round((cpu / wall) * 100, 0),
        serverCpuPercentByProcess: Object.fromEntries(
          processes.map((each, i) => [each.name, round((at(cpuUsed, i) / wall) * 100, 0)]),
        ),
      };
      progress(
        `group: ${phase.name}: ${result.acknowledgedPerSecond} messages/s, ${result.inboxRowsPerSecond} inbox rows/s, ` +
          `reply p50 ${result.replyLatencyMs.p50} ms p99 ${result.replyLatencyMs.p99} ms`,
      );
      await sleep(500);
      return result;
    };

    const results: GroupPhase[] = [];
    const closedLoop = new Phase(0, 'closed loop', undefined, options.senders);
    results.push(
      await measurePhase(closedLoop, async () => {
        const until = Date.now() + options.durationSeconds * 1000;
        await Promise.all(
          Array.from({ length: options.senders }, async (_, sender) => {
            while (Date.now() < until) await send(closedLoop, sender, nowMs());
          }),
        );
      }),
    );

    for (const log of logs) log.arrivals = new Map();
    const openPhase = new Phase(1, `open ${options.rate}/s`, options.rate, 1);
    results.push(
      await measurePhase(openPhase, () =>
        openLoop(options.rate, options.durationSeconds, 1, (sender, scheduledAt) =>
          send(openPhase, sender, scheduledAt),
        ),
      ),
    );
    const latency = arrivalLatency(openPhase, acknowledged, logs);
    for (const log of logs) log.arrivals = undefined;

    const syncIndex = options.members - 1;
    progress(`group: syncing member ${syncIndex}'s inbox`);
    const inbox = await syncGroupMessages(at(clients, syncIndex));
    const check = checkDeliveries(acknowledged, logs);
    let syncMissing = 0;
    for (const messageId of acknowledged.keys()) if (!inbox.ids.has(messageId)) syncMissing++;

    const closedLoopResult = at(results, 0);
    const settingDiffers = mode === 'cluster' ? undefined : `${mode} on SQLite`;
    const goals: Goal[] = [
      {
        goal: '≥ 50,000 inbox rows/s on MariaDB (cluster mode)',
        measured: `${closedLoopResult.inboxRowsPerSecond.toLocaleString('en-US')} inbox rows/s (${options.members} members, ${options.senders} senders)`,
        met: closedLoopResult.inboxRowsPerSecond >= 50_000,
        differs: settingDiffers,
      },
      {
        goal: 'p99 send → last online member ≤ 100 ms at 20 messages/s',
        measured: `p99 ${latency.lastMemberMs.p99} ms at ${options.rate}/s (${options.members} members)`,
        met: latency.lastMemberMs.p99 <= 100 && latency.messages > 0,
        differs: options.rate === 20 ? undefined : `${options.rate} messages/s`,
      },
    ];
    return {
      groupId,
      members: options.members,
      transports: { tcp: Math.ceil(options.members / 2), ws: Math.floor(options.members / 2) },
      settings,
      phases: results,
      latency,
      check: {
        acknowledged: acknowledged.size,
        livePushes,
        missing: check.missing,
        duplicated: check.duplicated,
        seqNotIncreasing: logs.reduce((sum, log) => sum + log.seqNotIncreasing, 0),
        idsReused,
        closed: clients.filter((client) => client.closed).length,
        deliveredAfterFailedSend: check.unacknowledged,
        sync: {
          member: syncIndex,
          groupMessages: inbox.count,
          missing: syncMissing,
          duplicated: inbox.duplicated,
        },
      },
      goals,
    };
  } finally {
    for (const client of clients) client.close();
    await gim.release();
  }
}

/** Scheduled send → arrival at the last and at the median member, for the phase's messages every member got. */
function arrivalLatency(
  phase: Phase,
  acknowledged: Map<number, { phase: number; scheduledAt: number }>,
  logs: MemberLog[],
): GroupLatency {
  const last = new Samples();
  const median = new Samples();
  const arrivals = new Float64Array(logs.length);
  for (const [messageId, sent] of acknowledged) {
    if (sent.phase !== phase.index) continue;
    let complete = true;
    logs.forEach((log, index) => {
      const arrivedAt = log.arrivals?.get(messageId);
      if (arrivedAt === undefined) complete = false;
      else arrivals[index] = arrivedAt - sent.scheduledAt;
    });
    if (!complete) continue;
    const sorted = arrivals.slice().sort();
    last.add(percentile(sorted, 100));
    median.add(percentile(sorted, 50));
  }
  return {
    phase: phase.name,
    messages: last.length,
    lastMemberMs: roundSummary(last.summary()),
    medianMemberMs: roundSummary(median.summary()),
  };
}

/** Compares what each member received live with the acknowledged messages. */
function checkDeliveries(
  acknowledged: Map<number, unknown>,
  logs: MemberLog[],
): { missing: number; duplicated: number; unacknowledged: number } {
  const expected = Float64Array.from(acknowledged.keys()).sort();
  const unacknowledged = new Set<number>();
  let missing = 0;
  let duplicated = 0;
  for (const log of logs) {
    const got = log.ids.sorted();
    let next = 0;
    for (let i = 0; i < got.length; i++) {
      const id = got[i] as number;
      if (i > 0 && got[i - 1] === id) {
        duplicated++;
        continue;
      }
      while (next < expected.length && (expected[next] as number) < id) {
        missing++;
        next++;
      }
      if (next < expected.length && expected[next] === id) next++;
      else unacknowledged.add(id);
    }
    missing += expected.length - next;
  }
  return { missing, duplicated, unacknowledged: unacknowledged.size };
}

/** The group chat messages of a member's whole inbox (PC_SYNC page by page), by message id. */
async function syncGroupMessages(
  client: GimClient,
): Promise<{ ids: Set<number>; count: number; duplicated: number }> {
  const bySeq = new Map<number, Message>();
  for (let after = 0; ;) {
    const reply = await client.request(
      PacketCommand.PC_SYNC,
      SyncRequest.encode({ seq: after, limit: 500 }).finish(),
      60_000,
    );
    if (reply.code !== 0) throw new Error(`sync failed: ${reply.code} ${reply.message}`);
    const page = SyncReply.decode(reply.data);
    for (const message of page.messages) bySeq.set(message.seq, message);
    const last = page.messages.at(-1);
    if (!page.hasMore || !last) break;
    after = last.seq;
  }
  const ids = new Set<number>();
  let count = 0;
  let duplicated = 0;
  for (const message of bySeq.values()) {
    if (message.command !== MessageCommand.MC_GROUP_CHAT) continue;
    count++;
    if (ids.has(message.messageId)) duplicated++;
    ids.add(message.messageId);
  }
  return { ids, count, duplicated };
}

/** The phases, the open loop's arrival latencies, the checks and the goals, as text. */
export function groupTable(result: GroupResult): string {
  const phases = table(
    [
      'phase',
      'senders',
      'sent',
      'acked',
      'acked/s',
      'inbox rows/s',
      'reply p50 ms',
      'p99',
      'max',
      'failed (code×n)',
      'drain s',
      'server CPU %',
    ],
    result.phases.map((phase) => [
      phase.name,
      phase.senders,
      phase.sent,
      phase.acknowledged,
      phase.acknowledgedPerSecond,
      phase.inboxRowsPerSecond,
      phase.replyLatencyMs.p50,
      phase.replyLatencyMs.p99,
      phase.replyLatencyMs.max,
      Object.entries(phase.failedByCode)
        .map(([code, count]) => `${code}×${count}`)
        .join(' ') || '0',
      phase.drainSeconds,
      phase.serverCpuPercent,
    ]),
  );
  const byProcess = result.phases
    .filter((phase) => Object.keys(phase.serverCpuPercentByProcess).length > 1)
    .map(
      (phase) =>
        `  ${phase.name}: ${Object.entries(phase.serverCpuPercentByProcess)
          .map(([name, percent]) => `${name} ${percent}`)
          .join(', ')}`,
    );
  const latency = result.latency;
  const arrivals = table(
    ['phase', 'messages', 'send → last member p50 ms', 'p99', 'max', 'send → median member p50 ms', 'p99'],
    [
      [
        latency.phase,
        latency.messages,
        latency.lastMemberMs.p50,
        latency.lastMemberMs.p99,
        latency.lastMemberMs.max,
        latency.medianMemberMs.p50,
        latency.medianMemberMs.p99,
      ],
    ],
  );
  const check = result.check;
  const settings = Object.entries(result.settings).map(([name, value]) => `${name}=${value}`);
  return [
    `group ${result.groupId}: ${result.members} members online (${result.transports.tcp} over TCP, ` +
      `${result.transports.ws} over WebSocket)${settings.length > 0 ? `; gim started with ${settings.join(' ')}` : ''}`,
    phases,
    ...(byProcess.length > 0 ? ['server CPU % by process:', ...byProcess] : []),
    '',
    arrivals,
    '',
    `acknowledged ${check.acknowledged}, live pushes ${check.livePushes}, connections closed ${check.closed} (must be 0)`,
    `live: missing ${check.missing} (must be 0), duplicated ${check.duplicated} (must be 0), ` +
      `seq not increasing ${check.seqNotIncreasing} (must be 0), message ids reused ${check.idsReused} (must be 0)`,
    `member ${check.sync.member}'s inbox: ${check.sync.groupMessages} group messages; acknowledged but absent ` +
      `${check.sync.missing} (must be 0), duplicated ${check.sync.duplicated} (must be 0)`,
    `delivered although the send failed: ${check.deliveredAfterFailedSend}`,
    '',
    ...goalLines(result.goals),
  ].join('\n');
}
