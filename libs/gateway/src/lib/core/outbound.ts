import { performance } from 'node:perf_hooks';
import { Connection } from './connection';

/** Settings of an Outbound. */
export interface OutboundOptions {
  /** Queued bytes plus the socket's own buffer above which a connection counts as a slow consumer. */
  maxQueueBytes: number;
  /** Called (once per connection) when an enqueue would pass the bound; the frame is not queued. */
  onOverflow: (connection: Connection) => void;
  /** Runs the flush after the current tick; setImmediate unless a test injects its own. */
  schedule?: (flush: () => void) => void;
  /**
   * How long pushes arriving in a stream wait to be written together; default 2 ms, 0 turns lingering off.
   * A push lingers only when the previous flush of pushes ended less than this long ago.
   */
  lingerMs?: number;
  /** Runs the flush after `ms`, returning a cancel function; setTimeout unless a test injects its own. */
  defer?: (flush: () => void, ms: number) => () => void;
  /** Monotonic milliseconds; performance.now unless a test injects its own. */
  now?: () => number;
}

const IDLE = 0;
const SOON = 1;
const LINGERING = 2;

function deferWithTimer(flush: () => void, ms: number): () => void {
  const timer = setTimeout(flush, ms);
  return () => clearTimeout(timer);
}

/**
 * The outbound path of every connection of a gateway. Frames queued during one tick are written together:
 * the first frame for a connection marks it dirty, one flush per gateway runs after the tick (setImmediate)
 * and hands each dirty connection's frames to its transport in one write call (one syscall).
 * Pushes that keep coming (a flush of pushes ended less than `lingerMs` ago) wait up to `lingerMs` so that
 * several of them leave in one write per connection; replies and close notices never wait for that.
 * The bound keeps memory flat when a client stops reading.
 */
export class Outbound {
  private dirty: Connection[] = [];
  private state = IDLE;
  private cancelLinger: (() => void) | undefined;
  private pushesQueued = false;
  private lastPushFlushAt = Number.NEGATIVE_INFINITY;
  private readonly maxQueueBytes: number;
  private readonly onOverflow: (connection: Connection) => void;
  private readonly schedule: (flush: () => void) => void;
  private readonly lingerMs: number;
  private readonly defer: (flush: () => void, ms: number) => () => void;
  private readonly now: () => number;
  private readonly flushAll = (): void => {
    this.cancelLinger?.();
    this.cancelLinger = undefined;
    this.state = IDLE;
    const connections = this.dirty;
    this.dirty = [];
    for (const connection of connections) this.flush(connection);
    if (this.pushesQueued) {
      this.pushesQueued = false;
      this.lastPushFlushAt = this.now();
    }
  };

  constructor(options: OutboundOptions) {
    this.maxQueueBytes = options.maxQueueBytes;
    this.onOverflow = options.onOverflow;
    this.schedule = options.schedule ?? ((flush) => void setImmediate(flush));
    this.lingerMs = options.lingerMs ?? 2;
    this.defer = options.defer ?? deferWithTimer;
    this.now = options.now ?? (() => performance.now());
  }

  /** Queues a frame for an open connection; false when dropped (closing, or over the bound: then it overflows). */
  enqueue(connection: Connection, frame: Buffer): boolean {
    if (!this.append(connection, frame)) return false;
    this.flushSoon();
    return true;
  }

  /**
   * Queues one push's frame for an open connection, like enqueue, but leaves scheduling to `pushed()`,
   * which the caller runs once after queueing the push for all its targets.
   */
  enqueuePush(connection: Connection, frame: Buffer): boolean {
    return this.append(connection, frame);
  }

  /** Schedules the flush of a push just queued: lingering while pushes keep coming, else after the tick. */
  pushed(): void {
    if (this.dirty.length === 0) return;
    this.pushesQueued = true;
    if (this.state !== IDLE) return;
    if (this.lingerMs > 0 && this.now() - this.lastPushFlushAt < this.lingerMs) {
      this.state = LINGERING;
      this.cancelLinger = this.defer(this.flushAll, this.lingerMs);
      return;
    }
    this.state = SOON;
    this.schedule(this.flushAll);
  }

  /** Queues a last frame past the bound and writes the connection's queue now (a close notice). */
  writeLast(connection: Connection, frame: Buffer): void {
    (connection.queue ??= []).push(frame);
    connection.queuedBytes += frame.length;
    connection.dirty = true;
    this.flush(connection);
  }

  /** Writes a connection's queued frames now, in one transport call. */
  flush(connection: Connection): void {
    if (!connection.dirty) return;
    connection.dirty = false;
    const frames = connection.queue;
    connection.queue = undefined;
    connection.queuedBytes = 0;
    if (frames !== undefined && frames.length > 0 && connection.state !== 'closed') {
      connection.transport.write(frames);
    }
  }

  /** Drops whatever a connection still has queued. */
  discard(connection: Connection): void {
    connection.dirty = false;
    connection.queue = undefined;
    connection.queuedBytes = 0;
  }

  private append(connection: Connection, frame: Buffer): boolean {
    if (!connection.isOpen) return false;
    if (connection.queuedBytes + frame.length + connection.transport.writableLength > this.maxQueueBytes) {
      this.onOverflow(connection);
      return false;
    }
    (connection.queue ??= []).push(frame);
    connection.queuedBytes += frame.length;
    if (!connection.dirty) {
      connection.dirty = true;
      this.dirty.push(connection);
    }
    return true;
  }

  private flushSoon(): void {
    if (this.state === SOON) return;
    this.cancelLinger?.();
    this.cancelLinger = undefined;
    this.state = SOON;
    this.schedule(this.flushAll);
  }
}
