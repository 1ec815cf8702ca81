import { Connection } from './connection';

/** How a Drain spreads a gateway's connections. */
export interface DrainOptions {
  /** The window over which clients are sent back (GIM_DRAIN_WINDOW_MS). */
  windowMs: number;
  /** Period of the drain's one timer: connections are closed in waves this far apart. */
  tickMs: number;
  /** How long a connection due to close may wait for the answers to the requests it already sent. */
  answerWaitMs: number;
}

/** What a Drain does to connections (the GatewayCore). */
export interface DrainHost {
  /** Stops reading a connection's requests: only those already taken remain to be answered. */
  stopReading(connection: Connection): void;
  /** Writes PC_CLOSE 10407 carrying `reconnectAfterMs` after whatever is queued, and closes. */
  closeDrained(connection: Connection, reconnectAfterMs: number): void;
}

/**
 * When the `index`-th of `count` clients should come back, in ms from the start of a drain over `windowMs`:
 * evenly over the window, the first at once.
 */
export function returnTime(index: number, count: number, windowMs: number): number {
  return count <= 0 ? 0 : Math.floor((index * windowMs) / count);
}

interface Leaver {
  connection: Connection;
  /** Clock time at which the client should come back. */
  returnAt: number;
  /** Clock time its reading stopped. */
  dueAt: number;
}

/**
 * Empties a gateway without sending its clients elsewhere all at once. Each connection gets a moment to come
 * back, evenly over the window (connections in the order they were accepted); in the wave (one per tick)
 * before that moment it stops being read, and once the requests it already sent are answered (or
 * `answerWaitMs` passed) it gets PC_CLOSE 10407 whose reconnect_after_ms is what remains until its moment.
 * So a client keeps its connection and its live pushes until just before its turn, and a client that ignores
 * reconnect_after_ms (a Go gim client) is still spread, by the waves.
 */
export class Drain {
  private readonly schedule: Array<Omit<Leaver, 'dueAt'>>;
  private next = 0;
  private leaving: Leaver[] = [];

  constructor(
    connections: readonly Connection[],
    startedAt: number,
    private readonly options: DrainOptions,
    private readonly host: DrainHost,
  ) {
    this.schedule = connections.map((connection, index) => ({
      connection,
      returnAt: startedAt + returnTime(index, connections.length, options.windowMs),
    }));
  }

  /** Connections not closed by the drain yet. */
  get remaining(): number {
    return this.schedule.length - this.next + this.leaving.length;
  }

  /** Runs the wave due at clock time `now`; true once every connection was closed (or went away by itself). */
  step(now: number): boolean {
    const { tickMs, answerWaitMs } = this.options;
    for (let entry = this.schedule[this.next]; entry !== undefined; entry = this.schedule[this.next]) {
      if (entry.returnAt >= now + tickMs) break;
      this.next++;
      if (!entry.connection.isOpen) continue;
      this.host.stopReading(entry.connection);
      this.leaving.push({ ...entry, dueAt: now });
    }
    this.leaving = this.leaving.filter((leaver) => {
      const { connection } = leaver;
      if (!connection.isOpen) return false;
      if (connection.inFlight > 0 && now - leaver.dueAt < answerWaitMs) return true;
      this.host.closeDrained(connection, Math.max(0, leaver.returnAt - now));
      return false;
    });
    return this.remaining === 0;
  }
}
