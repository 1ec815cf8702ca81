import { FanoutBus } from '@gim/bus';
import { connectInt } from '@gim/contracts';
import { BinaryWriter } from '@gim/protocol';
import {
  Appended,
  AppendResult,
  firstSeqAt,
  OVER_RATE,
  ROOM_STATE_TTL_MS,
  RoomEntry,
  RoomLog,
  RoomLogLimits,
  RoomWindow,
  SEND_WINDOW_US,
  sendInterval,
} from './room-log';

interface StoredEntry {
  seq: number;
  storedAt: number;
  message: Buffer;
}

interface MemoryRoom {
  base: number;
  last: number;
  history: StoredEntry[];
  /** index of the oldest live entry in `history` (dropped entries are spliced out in bulk) */
  head: number;
  touchedAt: number;
}

/** How often idle rooms, expired dedupe keys and past rate windows are dropped. */
const SWEEP_MS = 60_000;

/** Rooms for standalone mode: the same contract as RedisRoomLog, in maps, published on the in-process bus. */
export class MemoryRoomLog extends RoomLog {
  private readonly rooms = new Map<string, MemoryRoom>();
  private readonly dedupe = new Map<string, { result: Appended; expiresAt: number }>();
  /** Each sender's GCRA theoretical arrival time in µs, per room and user. */
  private readonly slots = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly bus: FanoutBus,
    private readonly limits: RoomLogLimits,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  async append(
    channel: string,
    appId: number,
    roomId: number,
    entries: readonly RoomEntry[],
  ): Promise<AppendResult[]> {
    const now = this.now();
    const key = `${appId}:${roomId}`;
    let room = this.rooms.get(key);
    if (room === undefined || expired(room, now)) {
      const base = firstSeqAt(now);
      room = { base, last: base - 1, history: [], head: 0, touchedAt: now };
      this.rooms.set(key, room);
    }
    room.touchedAt = now;
    const results: AppendResult[] = [];
    const published: Buffer[] = [];
    for (const entry of entries) {
      const dedupeKey = entry.dedupeKey === undefined ? undefined : `${key}:${entry.dedupeKey}`;
      const prior = dedupeKey === undefined ? undefined : this.dedupe.get(dedupeKey);
      if (prior !== undefined && prior.expiresAt > now) {
        results.push(prior.result);
        continue;
      }
      if (
        entry.sender !== undefined &&
        !this.takeSlot(`${key}:${entry.sender.userId}`, entry.sender.perSecond, now)
      ) {
        results.push(OVER_RATE);
        continue;
      }
      room.last += 1;
      const message = Buffer.concat([
        entry.message,
        new BinaryWriter().uint32(32).uint64(room.last).finish(),
      ]);
      room.history.push({ seq: room.last, storedAt: now, message });
      published.push(message);
      const result: Appended = { seq: room.last, createdAt: entry.createdAt };
      results.push(result);
      if (dedupeKey !== undefined)
        this.dedupe.set(dedupeKey, { result, expiresAt: now + this.limits.maxAgeMs });
    }
    this.trim(room, now);
    if (published.length > 0) {
      await this.bus.publish(
        channel,
        Buffer.from(connectInt.RoomBatch.encode({ messages: published }).finish()),
      );
    }
    return results;
  }

  async read(appId: number, roomId: number, after: number, limit: number): Promise<RoomWindow> {
    const room = this.rooms.get(`${appId}:${roomId}`);
    const now = this.now();
    if (room === undefined || expired(room, now)) return { base: 0, last: 0, length: 0, messages: [] };
    this.trim(room, now);
    const length = room.history.length - room.head;
    const first = room.last - length + 1;
    const from = room.head + Math.max(0, after + 1 - first);
    const messages = limit === 0 ? [] : room.history.slice(from, from + limit).map((entry) => entry.message);
    return { base: room.base, last: room.last, length, messages };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.rooms.clear();
    this.dedupe.clear();
    this.slots.clear();
  }

  // GCRA: takes one of a sender's send slots in a room; false when the sender is a whole window ahead of the clock.
  private takeSlot(key: string, perSecond: number, now: number): boolean {
    const nowUs = now * 1000;
    const due = Math.max(this.slots.get(key) ?? 0, nowUs) + sendInterval(perSecond);
    if (due - nowUs > SEND_WINDOW_US) return false;
    this.slots.set(key, due);
    return true;
  }

  // Drops entries past the count or age bound; the array is compacted once half of it is dead.
  private trim(room: MemoryRoom, now: number): void {
    const cutoff = now - this.limits.maxAgeMs;
    const overCount = room.history.length - room.head - this.limits.maxMessages;
    if (overCount > 0) room.head += overCount;
    for (let entry = room.history[room.head]; entry !== undefined && entry.storedAt < cutoff;) {
      room.head += 1;
      entry = room.history[room.head];
    }
    if (room.head > 64 && room.head * 2 > room.history.length) {
      room.history = room.history.slice(room.head);
      room.head = 0;
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, room] of this.rooms) {
      if (expired(room, now)) this.rooms.delete(key);
      else this.trim(room, now);
    }
    for (const [key, entry] of this.dedupe) if (entry.expiresAt <= now) this.dedupe.delete(key);
    for (const [key, due] of this.slots) if (due <= now * 1000) this.slots.delete(key);
  }
}

// A room untouched for ROOM_STATE_TTL_MS is forgotten, as its Redis state would expire.
function expired(room: MemoryRoom, now: number): boolean {
  return now - room.touchedAt > ROOM_STATE_TTL_MS;
}
