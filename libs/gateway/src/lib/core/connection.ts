import { Packet } from '@gim/protocol';
import type { AddressSlot } from './admission';
import type { GatewayRoom } from './rooms';

/** What the core needs from one client socket; the TCP and WebSocket adapters implement it. */
export interface ConnectionTransport {
  /** Hands `frames` to the socket in one go, so that they leave in one syscall. */
  write(frames: readonly Buffer[]): void;
  /** Bytes the socket has accepted but not yet passed to the kernel. */
  readonly writableLength: number;
  /** Closes gracefully after what was written; `code`/`reason` are those of the PC_CLOSE written just before. */
  end(code: number, reason: string): void;
  /** Tears the socket down at once, dropping anything unsent. */
  destroy(): void;
  /** Stops reading requests from the client (too many in flight). */
  pauseReading(): void;
  /** Reads requests again. */
  resumeReading(): void;
}

/**
 * Where a connection is in its life: waiting for PC_SIGN_IN, waiting for logic to accept it, signed in,
 * closing (PC_CLOSE written, socket ending), closed (socket gone).
 */
export type ConnectionState = 'awaiting-sign-in' | 'signing-in' | 'signed-in' | 'closing' | 'closed';

/** The user and device a connection signed in as. */
export interface DeviceIdentity {
  /** the user inside gim (logic's sign-in reply), which every later call to logic names */
  userId: number;
  /** the device inside gim */
  deviceId: number;
  /** the user's app */
  appId: number;
}

/** One client connection as the core sees it; its fields are owned by the core classes. */
export class Connection {
  /** Lifecycle state. */
  state: ConnectionState = 'awaiting-sign-in';
  /** Set once logic accepted the sign-in; from then on a close is reported to logic as Offline. */
  identity: DeviceIdentity | undefined;
  /** Coarse time of the last packet received. */
  lastPacketAt: number;
  /** Coarse time the close started. */
  closingSince = 0;
  /** Frames waiting for the next flush; allocated on the first one, dropped by the flush. */
  queue: Buffer[] | undefined = undefined;
  /** Total size of `queue`. */
  queuedBytes = 0;
  /** True while the connection is in the outbound's list of connections to flush. */
  dirty = false;
  /** Requests handed to logic and not yet answered. */
  inFlight = 0;
  /** True while reading is paused because of `inFlight`. */
  readingPaused = false;
  /** True once a drain stopped reading it for good: it closes when its requests are answered. */
  leaving = false;
  /** Packets that arrived while the sign-in was being checked, handled once it succeeds (copies). */
  held: Packet[] | undefined = undefined;
  /** The room the connection is in (joining or live), if any. */
  room: GatewayRoom | undefined = undefined;
  /** The client address's unauthenticated slot, held until the connection signs in or closes. */
  slot: AddressSlot | undefined;

  constructor(
    /** The gateway-unique id logic knows the connection by (conn_id). */
    readonly id: number,
    /** The socket adapter. */
    readonly transport: ConnectionTransport,
    /** The client's address, for logs and logic. */
    readonly remoteAddress: string,
    /** Coarse time the connection was accepted. */
    readonly openedAt: number,
  ) {
    this.lastPacketAt = openedAt;
  }

  /** True until the close starts: packets are handled and frames queued only while open. */
  get isOpen(): boolean {
    return this.state !== 'closing' && this.state !== 'closed';
  }
}
