import { ErrorCode } from '@gim/errors';
import type { PendingSocket } from './admission';
import { Connection } from './connection';
import { ConnectionRegistry } from './connection-registry';

/** The time source of the core: read per packet, refreshed by the sweep. */
export interface Clock {
  /** Current time in milliseconds. */
  now(): number;
  /** Re-reads the real time (a no-op for a test clock). */
  refresh(): void;
}

/** A clock read per packet at the cost of a field read: the sweep refreshes it, so it lags by at most one interval. */
export class CoarseClock implements Clock {
  private current = Date.now();

  now(): number {
    return this.current;
  }

  refresh(): void {
    this.current = Date.now();
  }
}

/** The timeouts a sweep enforces. */
export interface SweepOptions {
  /** A connection not signed in this long after it opened is closed with 10403. */
  signInTimeoutMs: number;
  /** A signed-in connection with no packet for this long is closed with 10404. */
  idleTimeoutMs: number;
  /** A closing connection whose socket has not gone away after this long is destroyed. */
  closeGraceMs: number;
}

/** What the sweep does to the connections it picks. */
export interface SweepActions {
  /** Sends PC_CLOSE and closes. */
  close(connection: Connection, code: ErrorCode, reason: string): void;
  /** Tears down at once. */
  destroy(connection: Connection): void;
}

/** Enforces the sign-in and idle timeouts with one timer per gateway over all connections and pending sockets. */
export class Sweeper {
  /** Sockets not yet connections (WebSocket handshakes); each is expired at the sign-in timeout. */
  readonly pending = new Set<PendingSocket>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly clock: Clock,
    private readonly options: SweepOptions,
    private readonly actions: SweepActions,
  ) {}

  /** Starts the timer: every `intervalMs` it refreshes the clock and sweeps. */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.clock.refresh();
      this.sweep();
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over every connection at the clock's current time. */
  sweep(): void {
    const now = this.clock.now();
    const { signInTimeoutMs, idleTimeoutMs, closeGraceMs } = this.options;
    for (const socket of this.pending) {
      if (now - socket.openedAt < signInTimeoutMs) continue;
      this.pending.delete(socket);
      socket.expire();
    }
    for (const connection of this.registry.all()) {
      switch (connection.state) {
        case 'awaiting-sign-in':
        case 'signing-in':
          if (now - connection.openedAt >= signInTimeoutMs) {
            this.actions.close(
              connection,
              ErrorCode.SignInTimeout,
              `no sign-in within ${signInTimeoutMs} ms`,
            );
          }
          break;
        case 'signed-in':
          if (now - connection.lastPacketAt >= idleTimeoutMs) {
            this.actions.close(connection, ErrorCode.IdleTimeout, `no packet for ${idleTimeoutMs} ms`);
          }
          break;
        case 'closing':
          if (now - connection.closingSince >= closeGraceMs) this.actions.destroy(connection);
          break;
        case 'closed':
          break;
      }
    }
  }
}
