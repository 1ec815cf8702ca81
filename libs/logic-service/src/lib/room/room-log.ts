/** One message to append to a room. */
export interface RoomEntry {
  /** the encoded connect.Message without its seq (room_id and created_at set); the log adds the seq */
  message: Buffer;
  /** the message's created_at, returned again for a deduplicated retry */
  createdAt: number;
  /** set for a user's send: a second append under the same key while it lives appends nothing */
  dedupeKey?: string;
  /** set for a user's send: it takes one of the user's send slots in the room, after the dedupe key is checked */
  sender?: RoomSender;
}

/** Whose send rate a user's room message counts against. */
export interface RoomSender {
  userId: number;
  /** sends allowed in any second (a burst of this many, then one slot back every 1/perSecond s) */
  perSecond: number;
}

/** Where an appended message went: its room seq (the first one's, for a deduplicated retry). */
export interface Appended {
  seq: number;
  createdAt: number;
}

/** The outcome of an entry whose sender had no send slot free: nothing was appended. */
export const OVER_RATE = 'over-rate';

/** What became of one appended entry. */
export type AppendResult = Appended | typeof OVER_RATE;

/** What a read of a room's log found. */
export interface RoomWindow {
  /** the first seq of the room's current history stream (0: the room has no state) */
  base: number;
  /** the room's latest seq (0: the room has no state) */
  last: number;
  /** messages in the history now (aged ones already dropped) */
  length: number;
  /** encoded connect.Messages after the asked seq, ascending, at most the asked limit */
  messages: Buffer[];
}

/** Limits of every room's history. */
export interface RoomLogLimits {
  /** messages kept per room */
  maxMessages: number;
  /** how long a message stays in history, ms */
  maxAgeMs: number;
}

/** How long a room's seq counter outlives its last message, so a returning client's seq still counts. */
export const ROOM_STATE_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * A room's seq is (time the room's history began, in ms) × 1000 + n: a history that is lost (Redis wiped) and
 * starts again starts above every seq handed out before, so an old seq is recognised as from a lost history.
 */
export const ROOM_SEQ_PER_MS = 1000;

/**
 * The rooms' message streams: per room a seq counter and a bounded history. Appending assigns seqs, records
 * the history and publishes the messages on the room's channel as one RoomBatch, all in one atomic step, so the
 * channel carries every room's messages in seq order and a subscriber that subscribed before reading the
 * history misses nothing between the two. Redis in cluster mode, memory in standalone mode.
 */
export abstract class RoomLog {
  /**
   * Appends `entries` in order to a room's history and publishes them on `channel`; one result per entry. An
   * entry whose dedupe key is stored gets the stored result; else one with a sender takes a send slot or is
   * answered OVER_RATE.
   */
  abstract append(
    channel: string,
    appId: number,
    roomId: number,
    entries: readonly RoomEntry[],
  ): Promise<AppendResult[]>;
  /** The room's state and up to `limit` history messages with a seq above `after` (limit 0: the state only). */
  abstract read(appId: number, roomId: number, after: number, limit: number): Promise<RoomWindow>;
  /** Releases connections and timers. */
  abstract close(): Promise<void>;
}

/** The send-rate window in microseconds: a user's sends to a room never get further ahead of the clock than this. */
export const SEND_WINDOW_US = 1_000_000;

/** Microseconds one send takes of a user's window (GCRA's emission interval). */
export function sendInterval(perSecond: number): number {
  return Math.floor(SEND_WINDOW_US / perSecond);
}

/** The seq the first message of a history starting at `now` gets. */
export function firstSeqAt(now: number): number {
  return now * ROOM_SEQ_PER_MS;
}
