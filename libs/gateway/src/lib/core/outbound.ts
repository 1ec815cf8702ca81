import { Connection } from './connection';

/** Settings of an Outbound. */
export interface OutboundOptions {
  /** Queued bytes plus the socket's own buffer above which a connection counts as a slow consumer. */
  maxQueueBytes: number;
  /** Called (once per connection) when an enqueue would pass the bound; the frame is not queued. */
  onOverflow: (connection: Connection) => void;
  /** Runs the flush after the current tick; setImmediate unless a test injects its own. */
  schedule?: (flush: () => void) => void;
}

/**
 * The outbound path of every connection of a gateway. Frames queued during one tick are written together:
 * the first frame for a connection marks it dirty, one flush per gateway runs after the tick (setImmediate)
 * and hands each dirty connection's frames to its transport in one write call (one syscall).
 * The bound keeps memory flat when a client stops reading.
 */
export class Outbound {
  private dirty: Connection[] = [];
  private scheduled = false;
  private readonly maxQueueBytes: number;
  private readonly onOverflow: (connection: Connection) => void;
  private readonly schedule: (flush: () => void) => void;
  private readonly flushAll = (): void => {
    this.scheduled = false;
    const connections = this.dirty;
    this.dirty = [];
    for (const connection of connections) this.flush(connection);
  };

  constructor(options: OutboundOptions) {
    this.maxQueueBytes = options.maxQueueBytes;
    this.onOverflow = options.onOverflow;
    this.schedule = options.schedule ?? ((flush) => void setImmediate(flush));
  }

  /** Queues a frame for an open connection; false when dropped (closing, or over the bound: then it overflows). */
  enqueue(connection: Connection, frame: Buffer): boolean {
    if (!connection.isOpen) return false;
    if (connection.queuedBytes + frame.length + connection.transport.writableLength > this.maxQueueBytes) {
      this.onOverflow(connection);
      return false;
    }
    connection.queue.push(frame);
    connection.queuedBytes += frame.length;
    this.markDirty(connection);
    return true;
  }

  /** Queues a last frame past the bound and writes the connection's queue now (a close notice). */
  writeLast(connection: Connection, frame: Buffer): void {
    connection.queue.push(frame);
    connection.queuedBytes += frame.length;
    connection.dirty = true;
    this.flush(connection);
  }

  /** Writes a connection's queued frames now, in one transport call. */
  flush(connection: Connection): void {
    if (!connection.dirty) return;
    connection.dirty = false;
    const frames = connection.queue;
    connection.queue = [];
    connection.queuedBytes = 0;
    if (frames.length > 0 && connection.state !== 'closed') connection.transport.write(frames);
  }

  /** Drops whatever a connection still has queued. */
  discard(connection: Connection): void {
    connection.dirty = false;
    connection.queue = [];
    connection.queuedBytes = 0;
  }

  private markDirty(connection: Connection): void {
    if (connection.dirty) return;
    connection.dirty = true;
    this.dirty.push(connection);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.flushAll);
    }
  }
}
