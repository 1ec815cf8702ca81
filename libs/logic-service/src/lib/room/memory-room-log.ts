import { FanoutBus } from '@gim/bus';
import { connectInt } from '@gim/contracts';
import { BinaryWriter } from '@gim/protocol';
import {
  Appended,
  firstSeqAt,
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
  /** Each user's GCRA theoretical arrival time in µs. */
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
  ): Promise<Appended[]> {
    const now = this.now();
    const key = `${appId}:${roomId}`;
    let room = this.rooms.get(key);
    if (room === undefined || now - room.touchedAt > ROOM_STATE_TTL_MS) {
      const base = firstSeqAt(now);
      room = { base, last: base - 1, history: [], head: 0, touchedAt: now };
      this.rooms.set(key, room);
    }
    room.touchedAt = now;
    const results: Appended[] = [];
    const published: Buffer[] = [];
    for (const entry of entries) {
      const dedupeKey = entry.dedupeKey === undefined ? undefined : `${key}:${entry.dedupeKey}`;
      const prior = dedupeKey === undefined ? undefined : this.dedupe.get(dedupeKey);
      if (prior !== undefined && prior.expiresAt > now) {
        results.push(prior.result);
        continue;
      }
      room.last += 1;
      const message = Buffer.concat([
        entry.message,
        new BinaryWriter().uint32(32).uint64(room.last).finish(),
      ]);
      room.history.push({ seq: room.last, storedAt: now, message });
      published.push(message);
      const result = { seq: room.last, createdAt: entry.createdAt };
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
    if (room === undefined) return { base: 0, last: 0, length: 0, messages: [] };
    this.trim(room, this.now());
    const length = room.history.length - room.head;
    const first = room.last - length + 1;
    const from = room.head + Math.max(0, after + 1 - first);
    const messages = limit === 0 ? [] : room.history.slice(from, from + limit).map((entry) => entry.message);
    return { base: room.base, last: room.last, length, messages };
  }

  async takeSendSlot(appId: number, userId: number, perSecond: number): Promise<boolean> {
    const now = this.now() * 1000;
    const key = `${appId}:${userId}`;
    const next = Math.max(this.slots.get(key) ?? 0, now) + sendInterval(perSecond);
    if (next - now > SEND_WINDOW_US) return false;
    this.slots.set(key, next);
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.rooms.clear();
    this.dedupe.clear();
    this.slots.clear();
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
      if (now - room.touchedAt > ROOM_STATE_TTL_MS) this.rooms.delete(key);
      else this.trim(room, now);
    }
    for (const [key, entry] of this.dedupe) if (entry.expiresAt <= now) this.dedupe.delete(key);
    for (const [key, due] of this.slots) if (due <= now * 1000) this.slots.delete(key);
  }
}
