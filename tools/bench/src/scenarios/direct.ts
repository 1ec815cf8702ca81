// direct: persisted one-to-one messages. K sender→receiver pairs of TCP connections; every message is a
// PC_SEND_MESSAGE of `size` bytes with its own client_msg_id, carrying its id and send time in its text.
//
// Phases: a closed loop (each sender sends its next message when the reply to the previous one arrives) for the
// highest sustained rate, then an open loop at each offered rate (sends scheduled at fixed intervals whatever
// the replies do; latencies count from the scheduled time, so a server that falls behind is not flattered).
// Per phase: achieved rate, reply latency, push-to-receiver latency, failures by code.
// At the end every receiver syncs its whole inbox (PC_SYNC, page by page) and the bench checks that no
// acknowledged message is missing (lost) and no message is stored twice (duplicated); then every failed send is
// retried with the same client_msg_id: it must return either a new message (nothing had been stored) or the one
// already stored, never a second copy.
import { logicPush } from '@gim/contracts';
import {
  Message,
  PacketCommand,
  SendMessageReply,
  SendMessageRequest,
  SyncReply,
  SyncRequest,
} from '@gim/protocol';
import { randomBytes } from 'node:crypto';
import { track } from '../cleanup';
import { Gim, Mode } from '../gim';
import { GimClient } from '../gim-client';
import { table } from '../report';
import { cpuSeconds, Pinning } from '../system';
import { at, forEachLimited, nowMs, progress, round, Samples, sleep } from '../util';

export interface DirectOptions {
  /** Where each gim process writes a V8 CPU profile (none when undefined). */
  cpuProfDir?: string;
  pairs: number;
  size: number;
  durationSeconds: number;
  messages: number | undefined;
  rates: number[];
}

type Summary = ReturnType<Samples['summary']>;

export interface DirectPhase {
  name: string;
  offeredPerSecond: number | undefined;
  seconds: number;
  sent: number;
  acknowledged: number;
  achievedPerSecond: number;
  failedByCode: Record<string, number>;
  replyLatencyMs: Summary;
  pushLatencyMs: Summary;
  serverCpuPercent: number;
  /** CPU use of each server process during the phase, in percent of one core. */
  serverCpuPercentByProcess: Record<string, number>;
}

export interface DirectResult {
  pairs: number;
  phases: DirectPhase[];
  check: {
    acknowledged: number;
    storedAtReceivers: number;
    lost: number;
    duplicated: number;
    livePushes: number;
    retried: number;
    retryAcknowledged: number;
    retryStillFailed: number;
    retryFoundOriginal: number;
    retryViolations: number;
  };
}

interface SentMessage {
  pair: number;
  content: Buffer;
  messageId?: number;
  failure?: string;
}

/** What a stored or pushed message says about itself: the client_msg_id and the phase and time it was sent at. */
function parseContent(message: Message): { clientMsgId: string; phase: number; sentAt: number } {
  const text = Buffer.from(logicPush.UserMessagePush.decode(message.content).content).toString();
  const [clientMsgId = '', sentAt = '0'] = text.split('|');
  return { clientMsgId, phase: Number(clientMsgId.split('-')[1]), sentAt: Number(sentAt) };
}

class Phase {
  readonly reply = new Samples();
  readonly push = new Samples();
  readonly failed = new Map<string, number>();
  sent = 0;
  acknowledged = 0;
  lastReplyAt = 0;

  constructor(
    readonly name: string,
    readonly offered: number | undefined,
  ) {}

  fail(code: string): void {
    this.failed.set(code, (this.failed.get(code) ?? 0) + 1);
  }
}

export async function runDirect(mode: Mode, pinning: Pinning, options: DirectOptions): Promise<DirectResult> {
  const gim = track(await Gim.start(mode, pinning, options.cpuProfDir));
  const clients: GimClient[] = [];
  try {
    const sessions = await gim.signInUsers(options.pairs * 2);
    const senders = await gim.connect('tcp', sessions.slice(0, options.pairs), 'senders');
    clients.push(...senders);
    const receivers = await gim.connect('tcp', sessions.slice(options.pairs), 'receivers');
    clients.push(...receivers);
    const run = randomBytes(3).toString('hex');
    const sent = new Map<string, SentMessage>();
    const phases: Phase[] = [];
    let livePushes = 0;
    for (const receiver of receivers) {
      receiver.onPush = (bytes) => {
        livePushes++;
        const { phase, sentAt } = parseContent(Message.decode(bytes));
        phases[phase]?.push.add(nowMs() - sentAt);
      };
    }
    const counters = new Array<number>(options.pairs).fill(0);
    const processes = gim.processes();

    /** One PC_SEND_MESSAGE from pair `pair`, scheduled at `scheduledAt` (wall ms); records its outcome. */
    const send = async (phaseIndex: number, pair: number, scheduledAt: number): Promise<void> => {
      const phase = at(phases, phaseIndex);
      counters[pair] = at(counters, pair) + 1;
      const clientMsgId = `${run}-${phaseIndex}-${pair}-${at(counters, pair)}`;
      const text = `${clientMsgId}|${scheduledAt.toFixed(3)}|`;
      const content = Buffer.alloc(Math.max(options.size, text.length), '.');
      content.write(text);
      const record: SentMessage = { pair, content };
      sent.set(clientMsgId, record);
      phase.sent++;
      const request = SendMessageRequest.encode({
        clientMsgId,
        toUserId: at(sessions, options.pairs + pair).userId,
        toGroupId: 0,
        toRoomId: 0,
        content,
      }).finish();
      try {
        const reply = await at(senders, pair).request(PacketCommand.PC_SEND_MESSAGE, request, 30_000);
        const now = nowMs();
        if (reply.code === 0) {
          record.messageId = SendMessageReply.decode(reply.data).messageId;
          phase.acknowledged++;
          phase.reply.add(now - scheduledAt);
          phase.lastReplyAt = Math.max(phase.lastReplyAt, now);
        } else {
          record.failure = String(reply.code);
          phase.fail(record.failure);
        }
      } catch (error) {
        record.failure = String(error).includes('no reply') ? 'timeout' : 'closed';
        phase.fail(record.failure);
      }
    };

    const measurePhase = async (
      phase: Phase,
      drive: (index: number) => Promise<void>,
    ): Promise<DirectPhase> => {
      const index = phases.push(phase) - 1;
      progress(`direct: ${phase.name}`);
      const cpuBefore = processes.map((each) => cpuSeconds(each.pid));
      const started = nowMs();
      await drive(index);
      const seconds = (Math.max(phase.lastReplyAt, started + 1) - started) / 1000;
      const cpuUsed = processes.map((each, i) => cpuSeconds(each.pid) - at(cpuBefore, i));
      const cpu = cpuUsed.reduce((sum, each) => sum + each, 0);
      const wall = (nowMs() - started) / 1000;
      await sleep(500);
      const result: DirectPhase = {
        name: phase.name,
        offeredPerSecond: phase.offered,
        seconds: round(seconds, 2),
        sent: phase.sent,
        acknowledged: phase.acknowledged,
        achievedPerSecond: round(phase.acknowledged / seconds, 0),
        failedByCode: Object.fromEntries(phase.failed),
        replyLatencyMs: roundSummary(phase.reply.summary()),
        pushLatencyMs: roundSummary(phase.push.summary()),
        serverCpuPercent: round((cpu / wall) * 100, 0),
        serverCpuPercentByProcess: Object.fromEntries(
          processes.map((each, i) => [each.name, round((at(cpuUsed, i) / wall) * 100, 0)]),
        ),
      };
      progress(
        `direct: ${phase.name}: ${result.achievedPerSecond}/s, reply p50 ${result.replyLatencyMs.p50} ms p99 ${result.replyLatencyMs.p99} ms`,
      );
      return result;
    };

    const results: DirectPhase[] = [];
    results.push(
      await measurePhase(new Phase('closed loop', undefined), async (index) => {
        const until = Date.now() + options.durationSeconds * 1000;
        await Promise.all(
          senders.map(async (_, pair) => {
            for (let n = 0; options.messages === undefined ? Date.now() < until : n < options.messages; n++)
              await send(index, pair, nowMs());
          }),
        );
      }),
    );
    for (const rate of options.rates) {
      results.push(
        await measurePhase(new Phase(`open ${rate}/s`, rate), (index) =>
          openLoop(rate, options.durationSeconds, options.pairs, (pair, at) => send(index, pair, at)),
        ),
      );
    }

    progress('direct: final sync of every receiver');
    const stored = await syncAll(receivers);
    const check = verify(sent, stored);
    progress(`direct: retrying ${check.failures.length} failed sends with their client_msg_id`);
    let retryAcknowledged = 0;
    let retryStillFailed = 0;
    let retryFoundOriginal = 0;
    let retryViolations = 0;
    await forEachLimited(check.failures.length, 16, async (index) => {
      const [clientMsgId, record] = at(check.failures, index);
      const before = at(stored, record.pair).byClientId.get(clientMsgId);
      const request = SendMessageRequest.encode({
        clientMsgId,
        toUserId: at(sessions, options.pairs + record.pair).userId,
        toGroupId: 0,
        toRoomId: 0,
        content: record.content,
      }).finish();
      const reply = await at(senders, record.pair)
        .request(PacketCommand.PC_SEND_MESSAGE, request, 30_000)
        .catch(() => undefined);
      if (!reply || reply.code !== 0) {
        retryStillFailed++;
        return;
      }
      retryAcknowledged++;
      const messageId = SendMessageReply.decode(reply.data).messageId;
      if (before !== undefined) {
        retryFoundOriginal++;
        if (before.length !== 1 || before[0] !== messageId) retryViolations++;
      }
    });
    if (check.failures.length > 0) {
      const after = await syncAll(receivers);
      for (const [clientMsgId, record] of check.failures) {
        const copies = at(after, record.pair).byClientId.get(clientMsgId)?.length ?? 0;
        if (copies > 1) retryViolations++;
      }
    }
    return {
      pairs: options.pairs,
      phases: results,
      check: {
        acknowledged: check.acknowledged,
        storedAtReceivers: check.stored,
        lost: check.lost,
        duplicated: check.duplicated,
        livePushes,
        retried: check.failures.length,
        retryAcknowledged,
        retryStillFailed,
        retryFoundOriginal,
        retryViolations,
      },
    };
  } finally {
    for (const client of clients) client.close();
    await gim.release();
  }
}

/** Sends at `rate` per second in total for `seconds`, round-robin over the pairs, without waiting for replies. */
export async function openLoop(
  rate: number,
  seconds: number,
  pairs: number,
  send: (pair: number, scheduledAt: number) => Promise<void>,
): Promise<void> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const started = nowMs();
  const inFlight: Array<Promise<void>> = [];
  let issued = 0;
  while (issued < total) {
    const due = Math.min(total, Math.floor((nowMs() - started) / interval) + 1);
    for (; issued < due; issued++) inFlight.push(send(issued % pairs, started + issued * interval));
    await sleep(1);
  }
  await Promise.all(inFlight);
}

interface Inbox {
  /** message ids stored for each client_msg_id, one entry per distinct seq */
  byClientId: Map<string, number[]>;
  messageIds: Set<number>;
  duplicated: number;
  count: number;
}

/** Every receiver's whole inbox, deduplicated by seq. */
async function syncAll(receivers: GimClient[]): Promise<Inbox[]> {
  return forEachLimited(receivers.length, 16, async (index) => {
    const bySeq = new Map<number, Message>();
    for (let after = 0; ;) {
      const reply = await at(receivers, index).request(
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
    const inbox: Inbox = { byClientId: new Map(), messageIds: new Set(), duplicated: 0, count: bySeq.size };
    for (const message of bySeq.values()) {
      const { clientMsgId } = parseContent(message);
      const ids = inbox.byClientId.get(clientMsgId) ?? [];
      if (ids.length > 0 || inbox.messageIds.has(message.messageId)) inbox.duplicated++;
      ids.push(message.messageId);
      inbox.byClientId.set(clientMsgId, ids);
      inbox.messageIds.add(message.messageId);
    }
    return inbox;
  });
}

function verify(sent: Map<string, SentMessage>, inboxes: Inbox[]) {
  let acknowledged = 0;
  let lost = 0;
  const failures: Array<[string, SentMessage]> = [];
  for (const [clientMsgId, record] of sent) {
    if (record.messageId === undefined) {
      failures.push([clientMsgId, record]);
      continue;
    }
    acknowledged++;
    if (!at(inboxes, record.pair).messageIds.has(record.messageId)) lost++;
  }
  return {
    acknowledged,
    lost,
    duplicated: inboxes.reduce((sum, inbox) => sum + inbox.duplicated, 0),
    stored: inboxes.reduce((sum, inbox) => sum + inbox.count, 0),
    failures,
  };
}

/** A latency summary with its figures rounded to hundredths of a millisecond. */
export function roundSummary(summary: Summary): Summary {
  return {
    count: summary.count,
    p50: round(summary.p50, 2),
    p90: round(summary.p90, 2),
    p99: round(summary.p99, 2),
    max: round(summary.max, 2),
  };
}

export function directTable(result: DirectResult): string {
  const phases = table(
    [
      'phase',
      'sent',
      'acked',
      'achieved/s',
      'reply p50 ms',
      'p90',
      'p99',
      'max',
      'push p50 ms',
      'push p99',
      'failed (code×n)',
      'server CPU %',
    ],
    result.phases.map((phase) => [
      phase.name,
      phase.sent,
      phase.acknowledged,
      phase.achievedPerSecond,
      phase.replyLatencyMs.p50,
      phase.replyLatencyMs.p90,
      phase.replyLatencyMs.p99,
      phase.replyLatencyMs.max,
      phase.pushLatencyMs.p50,
      phase.pushLatencyMs.p99,
      Object.entries(phase.failedByCode)
        .map(([code, count]) => `${code}×${count}`)
        .join(' ') || '0',
      phase.serverCpuPercent,
    ]),
  );
  const check = result.check;
  const byProcess = result.phases
    .filter((phase) => Object.keys(phase.serverCpuPercentByProcess).length > 1)
    .map(
      (phase) =>
        `  ${phase.name}: ${Object.entries(phase.serverCpuPercentByProcess)
          .map(([name, percent]) => `${name} ${percent}`)
          .join(', ')}`,
    );
  return [
    `${result.pairs} sender→receiver pairs over TCP`,
    phases,
    ...(byProcess.length > 0 ? ['server CPU % by process:', ...byProcess] : []),
    '',
    `acknowledged ${check.acknowledged}, stored at receivers ${check.storedAtReceivers}, live pushes ${check.livePushes}`,
    `lost ${check.lost} (must be 0), duplicated ${check.duplicated} (must be 0)`,
    `failed sends retried with the same client_msg_id: ${check.retried}; acknowledged ${check.retryAcknowledged} ` +
      `(of which ${check.retryFoundOriginal} returned the message already stored), still failing ${check.retryStillFailed}, ` +
      `violations ${check.retryViolations} (must be 0)`,
  ].join('\n');
}
