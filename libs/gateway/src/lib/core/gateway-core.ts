import { ErrorCode } from '@gim/errors';
import {
  closePacket,
  encodeSeqPush,
  FieldRangeError,
  FrameTooLargeError,
  Message,
  messagePacket,
  Packet,
  ProtocolError,
  PacketCommand,
  replyPacket,
  SubscribeRoomReply,
} from '@gim/protocol';
import type { LogicClient } from '../logic-client';
import { AddressSlot, AddressSlots } from './admission';
import { Connection, ConnectionTransport } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { Drain, DrainHost, DrainOptions } from './drain';
import { Framing } from './framing';
import { GatewayMetrics } from './gateway-metrics';
import { GatewayLogger } from './logger';
import { Outbound } from './outbound';
import { INTERNAL_ERROR_CODE, PacketRouter, RouterHost } from './packet-router';
import { JoinOutcome, RoomFeed, Rooms } from './rooms';
import { Clock, Sweeper } from './sweeper';

/** Settings and dependencies of a GatewayCore. */
export interface GatewayCoreOptions {
  /** This gateway's id, as logic knows it. */
  gatewayId: string;
  /** How packets become write units on the transport. */
  framing: Framing;
  /** The logic calls. */
  logic: LogicClient;
  /** Where rooms' messages come from. */
  roomFeed: RoomFeed;
  /** Time source (a CoarseClock in production). */
  clock: Clock;
  logger: GatewayLogger;
  /** Where connections, packets and deliveries are counted; default labels them `unknown`. */
  metrics?: GatewayMetrics;
  /** See GatewayConfig.GIM_SEND_QUEUE_MAX_BYTES. */
  maxQueueBytes: number;
  /** See GatewayConfig.GIM_SIGN_IN_TIMEOUT_MS. */
  signInTimeoutMs: number;
  /** See GatewayConfig.GIM_IDLE_TIMEOUT_MS. */
  idleTimeoutMs: number;
  /** See GatewayConfig.GIM_MAX_UNAUTHENTICATED_PER_ADDRESS; default 0 (no limit). */
  maxUnauthenticatedPerAddress?: number;
  /** How long a closing socket may linger before it is destroyed; default 5 s. */
  closeGraceMs?: number;
  /** Flush scheduler for the outbound (tests); default setImmediate. */
  schedule?: (flush: () => void) => void;
  /** See OutboundOptions.lingerMs; default 2 ms. */
  lingerMs?: number;
  /** Deferred flush for the outbound's lingering (tests); default setTimeout. */
  defer?: (flush: () => void, ms: number) => () => void;
}

/** One (device, message) pair of PushToDevices. */
export interface DevicePush {
  deviceId: number;
  message: Message | undefined;
}

const EMPTY_FRAME: Buffer = Buffer.alloc(0);
const SIGNED_IN_ELSEWHERE = 'signed in on another connection';
const SHUTDOWN_REASON = 'server shutting down; reconnect';

/**
 * The transport-independent gateway: connection lifecycle, packet routing, the coalescing outbound path,
 * the timeout sweep and delivery of pushes. Transports feed it bytes-turned-packets and socket events.
 */
export class GatewayCore implements RouterHost, DrainHost {
  /** Live connections. */
  readonly registry = new ConnectionRegistry();
  /** The coalescing write path. */
  readonly outbound: Outbound;
  /** The packet handler. */
  readonly router: PacketRouter;
  /** The timeout sweep. */
  readonly sweeper: Sweeper;
  /** Per-address count of the sockets that have not signed in. */
  readonly slots: AddressSlots;
  /** The rooms this gateway's connections are in. */
  readonly rooms: Rooms;
  private readonly framing: Framing;
  private readonly logic: LogicClient;
  private readonly clock: Clock;
  private readonly logger: GatewayLogger;
  private readonly gatewayId: string;
  /** The Prometheus metrics of this gateway. */
  readonly metrics: GatewayMetrics;
  private readonly pendingOffline = new Set<Promise<void>>();
  private emptyWaiters: Array<() => void> = [];

  constructor(options: GatewayCoreOptions) {
    this.gatewayId = options.gatewayId;
    this.metrics = options.metrics ?? new GatewayMetrics('unknown');
    this.framing = options.framing;
    this.logic = options.logic;
    this.clock = options.clock;
    this.logger = options.logger;
    this.slots = new AddressSlots(options.maxUnauthenticatedPerAddress ?? 0);
    this.outbound = new Outbound({
      maxQueueBytes: options.maxQueueBytes,
      onOverflow: (connection) => {
        this.metrics.slowReader();
        this.abort(connection, ErrorCode.SlowConsumer, 'client reads too slowly; sync to catch up');
      },
      schedule: options.schedule,
      lingerMs: options.lingerMs,
      defer: options.defer,
    });
    this.rooms = new Rooms(
      options.roomFeed,
      options.logic,
      options.framing,
      this.outbound,
      options.logger,
      (connection, code, reason) => this.abort(connection, code, reason),
    );
    this.router = new PacketRouter({
      gatewayId: options.gatewayId,
      logic: options.logic,
      clock: options.clock,
      logger: options.logger,
      host: this,
      metrics: this.metrics,
    });
    this.sweeper = new Sweeper(
      this.registry,
      options.clock,
      {
        signInTimeoutMs: options.signInTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        closeGraceMs: options.closeGraceMs ?? 5_000,
      },
      {
        close: (connection, code, reason) => this.close(connection, code, reason),
        destroy: (connection) => this.destroy(connection),
      },
    );
  }

  /**
   * Registers a socket a transport accepted at `openedAt` (default now); `slot` is its address's
   * unauthenticated slot, released when it signs in or closes.
   */
  open(
    transport: ConnectionTransport,
    remoteAddress: string,
    slot?: AddressSlot,
    openedAt = this.now(),
  ): Connection {
    const connection = new Connection(this.registry.nextId(), transport, remoteAddress, openedAt);
    connection.slot = slot;
    this.registry.add(connection);
    this.metrics.connection(1);
    return connection;
  }

  /**
   * The time a socket was accepted: the clock refreshed first (once per accept, never per packet), so a
   * deadline counted from it fires no earlier than its nominal time, however late the sweep timer runs.
   */
  now(): number {
    this.clock.refresh();
    return this.clock.now();
  }

  /** Handles a packet a connection received. */
  receive(connection: Connection, packet: Packet): void {
    this.metrics.packetIn(packet.command);
    this.router.handle(connection, packet);
  }

  /**
   * Closes a connection whose bytes broke the protocol, with 10401 (too large) or 10400 (malformed); a packet
   * with an out-of-range seq (FieldRangeError) is answered with 10001 instead and the connection stays open.
   */
  protocolError(connection: Connection, error: ProtocolError): void {
    if (error instanceof FieldRangeError) {
      // A well-formed packet with a seq beyond 2^53-1: refuse that request (10001), keep the connection.
      if (!connection.isOpen) return;
      connection.lastPacketAt = this.clock.now();
      this.send(
        connection,
        replyPacket(error.requestId, error.command, ErrorCode.BadRequest, `bad request: ${error.message}`),
      );
      return;
    }
    const code = error instanceof FrameTooLargeError ? ErrorCode.FrameTooLarge : ErrorCode.MalformedFrame;
    this.close(connection, code, error.message);
  }

  /** Closes a connection after a bug while handling its bytes (logged once with the stack), code 13. */
  failed(connection: Connection, error: unknown): void {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.logger.error(`connection ${connection.id} (${connection.remoteAddress}) failed: ${stack}`);
    this.close(connection, INTERNAL_ERROR_CODE, 'internal error');
  }

  /** Reports that a connection's socket is gone, whatever the reason. */
  closed(connection: Connection): void {
    if (connection.state === 'closed') return;
    connection.state = 'closed';
    connection.held = undefined;
    this.rooms.leave(connection);
    connection.slot?.release();
    this.outbound.discard(connection);
    this.registry.remove(connection);
    this.metrics.connection(-1);
    if (connection.identity !== undefined) this.reportOffline(connection);
    if (this.registry.size === 0 && this.emptyWaiters.length > 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Queues a packet for a connection. */
  send(connection: Connection, packet: Packet): void {
    this.metrics.packetsOut(packet.command);
    this.outbound.enqueue(connection, this.framing.encode(packet));
  }

  /** Writes PC_CLOSE after whatever is queued and closes gracefully; `reconnectAfterMs` goes in the notice. */
  close(connection: Connection, code: number, reason: string, reconnectAfterMs = 0): void {
    if (!connection.isOpen) return;
    connection.state = 'closing';
    this.rooms.leave(connection);
    connection.closingSince = this.clock.now();
    this.outbound.writeLast(connection, this.framing.encode(closePacket(code, reason, reconnectAfterMs)));
    connection.transport.end(code, reason);
  }

  /** Stops reading a connection for good (it is leaving in a drain); requests already taken are still answered. */
  stopReading(connection: Connection): void {
    connection.leaving = true;
    if (connection.readingPaused) return;
    connection.readingPaused = true;
    connection.transport.pauseReading();
  }

  /**
   * PC_CLOSE 10407 telling the client when to come back, after whatever is queued; reading resumes so that the
   * client's own close is seen and the socket goes at once.
   */
  closeDrained(connection: Connection, reconnectAfterMs: number): void {
    this.close(connection, ErrorCode.ServerShutdown, SHUTDOWN_REASON, reconnectAfterMs);
    if (!connection.readingPaused) return;
    connection.readingPaused = false;
    connection.transport.resumeReading();
  }

  /** Writes PC_CLOSE on a best-effort basis and tears the socket down now (a client that stopped reading). */
  abort(connection: Connection, code: number, reason: string): void {
    if (!connection.isOpen) return;
    connection.state = 'closing';
    this.rooms.leave(connection);
    connection.closingSince = this.clock.now();
    this.outbound.discard(connection);
    connection.transport.write([this.framing.encode(closePacket(code, reason))]);
    connection.transport.destroy();
    this.logger.log(`connection ${connection.id} (${connection.remoteAddress}) aborted: ${reason}`);
  }

  /** Tears a connection down at once. */
  destroy(connection: Connection): void {
    if (connection.state === 'closed') return;
    if (connection.isOpen) {
      connection.state = 'closing';
      connection.closingSince = this.clock.now();
    }
    this.rooms.leave(connection);
    this.outbound.discard(connection);
    connection.transport.destroy();
  }

  /** Makes a freshly signed-in connection its device's one; the device's previous connection gets 10405. */
  register(connection: Connection): void {
    connection.slot?.release();
    connection.slot = undefined;
    const previous = this.registry.bindDevice(connection);
    if (previous !== undefined) this.close(previous, ErrorCode.SignedInElsewhere, SIGNED_IN_ELSEWHERE);
  }

  /** Tells logic a signed-in connection closed; failures are logged, never thrown. */
  reportOffline(connection: Connection): void {
    const identity = connection.identity;
    if (identity === undefined) return;
    const call = this.logic
      .offline({
        userId: identity.userId,
        deviceId: identity.deviceId,
        clientAddr: connection.remoteAddress,
        gatewayId: this.gatewayId,
        connId: connection.id,
      })
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.warn(
            `Offline of device ${identity.deviceId} (connection ${connection.id}) failed: ${String(error)}`,
          ),
      )
      .finally(() => this.pendingOffline.delete(call));
    this.pendingOffline.add(call);
  }

  /**
   * Delivers one encoded PC_MESSAGE packet, framed once and shared by every target: the listed devices,
   * or every signed-in connection when `deviceIds` is 'all'. Returns how many connections it was queued for.
   */
  pushEncoded(packet: Buffer, deviceIds: readonly number[] | 'all', appId = 0): number {
    const frame = this.framing.wrap(packet);
    let queued = 0;
    if (deviceIds === 'all') {
      for (const connection of this.registry.signedIn()) {
        if (appId !== 0 && connection.identity?.appId !== appId) continue;
        if (this.pushTo(connection, frame)) queued++;
      }
    } else {
      for (const deviceId of deviceIds) {
        const connection = this.registry.device(deviceId);
        if (connection !== undefined && this.pushTo(connection, frame)) queued++;
      }
    }
    this.outbound.pushed();
    this.metrics.packetsOut(PacketCommand.PC_MESSAGE, queued);
    return queued;
  }

  /**
   * Delivers one message encoded once for several devices (without seq): each connected target gets it with its
   * user's seq; devices of one user share one frame. Returns how many connections it was queued for.
   */
  pushWithSeqs(message: Buffer, targets: ReadonlyArray<{ deviceId: number; seq: number }>): number {
    let queued = 0;
    let frameSeq = -1;
    let frame = EMPTY_FRAME;
    for (const { deviceId, seq } of targets) {
      const connection = this.registry.device(deviceId);
      if (connection === undefined) continue;
      if (seq !== frameSeq) {
        frame = this.framing.wrap(encodeSeqPush(message, seq));
        frameSeq = seq;
      }
      if (this.pushTo(connection, frame)) queued++;
    }
    this.outbound.pushed();
    this.metrics.packetsOut(PacketCommand.PC_MESSAGE, queued);
    return queued;
  }

  /** Delivers per-device messages (PushToDevices); devices not connected here are skipped. */
  pushMessages(pushes: readonly DevicePush[]): void {
    for (const { deviceId, message } of pushes) {
      const connection = this.registry.device(deviceId);
      if (connection === undefined || message === undefined) continue;
      if (this.pushTo(connection, this.framing.encode(messagePacket(message))))
        this.metrics.packetsOut(PacketCommand.PC_MESSAGE);
    }
    this.outbound.pushed();
  }

  /** Closes the connection (device, conn id) with PC_CLOSE(code, reason); conn id 0 means the device's connection. */
  kick(deviceId: number, connId: number, code: number, reason: string): void {
    const connection = connId === 0 ? this.registry.device(deviceId) : this.registry.get(connId);
    if (connection === undefined || connection.identity?.deviceId !== deviceId) return;
    this.close(connection, code, reason);
  }

  /**
   * Moves a signed-in connection into room `roomId` (0: out of its room), replaying its history after `seq`.
   * The PC_SUBSCRIBE_ROOM reply carries `requestId` ('' when an integrator moved the connection).
   */
  joinRoom(connection: Connection, requestId: string, roomId: number, seq: number): void {
    if (connection.state !== 'signed-in') return;
    const answer = ({ code, message, reply }: JoinOutcome): void => {
      if (connection.state !== 'signed-in') return;
      const data = SubscribeRoomReply.encode(reply).finish();
      this.send(connection, replyPacket(requestId, PacketCommand.PC_SUBSCRIBE_ROOM, code, message, data));
    };
    this.rooms
      .join(connection, roomId, seq, answer)
      .catch((error: unknown) => this.failed(connection, error));
  }

  /** Applies an integrator's RoomJoin to the device's connection here, if it is still the one named. */
  roomJoin(join: { deviceId: number; connId: number; roomId: number; seq: number }): void {
    const connection = this.registry.get(join.connId);
    if (connection === undefined || connection.identity?.deviceId !== join.deviceId) return;
    this.joinRoom(connection, '', join.roomId, join.seq);
  }

  /** Closes every signed-in connection of an app (PC_CLOSE with the code and reason). */
  closeApp(appId: number, code: number, reason: string): void {
    for (const connection of this.registry.signedIn()) {
      if (connection.identity?.appId === appId) this.close(connection, code, reason);
    }
  }

  /** Starts the timeout sweep. */
  start(sweepIntervalMs: number): void {
    this.sweeper.start(sweepIntervalMs);
  }

  /**
   * Closes every connection with PC_CLOSE 10407 in waves over the window (see Drain), driven by one timer
   * ticking every `tickMs`; then waits up to `graceMs` for the sockets to go, destroys the rest, and waits for
   * the Offline calls they caused. Resolves with the number of connections there were.
   */
  async drain(options: DrainOptions & { graceMs: number }): Promise<number> {
    const open = [...this.registry.all()].filter((connection) => connection.isOpen);
    const drain = new Drain(open, this.now(), options, this);
    if (!drain.step(this.clock.now())) {
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (!drain.step(this.now())) return;
          clearInterval(timer);
          resolve();
        }, options.tickMs);
      });
    }
    this.sweeper.stop();
    if (!(await this.whenEmpty(options.graceMs))) {
      for (const connection of this.registry.all()) this.destroy(connection);
      await this.whenEmpty(1_000);
    }
    await Promise.allSettled([...this.pendingOffline]);
    return open.length;
  }

  private pushTo(connection: Connection, frame: Buffer): boolean {
    return connection.state === 'signed-in' && this.outbound.enqueuePush(connection, frame);
  }

  private whenEmpty(timeoutMs: number): Promise<boolean> {
    if (this.registry.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.emptyWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
