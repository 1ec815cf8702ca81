// Test doubles for the core's unit tests: a recording transport, an in-memory logic and a manual clock.
import { Channels, MemoryBus } from '@gim/bus';
import { logicDevice, logicMessageExt, logicMessageInt, logicRoom } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { CloseNotice, decodePacket, encodePacket, Packet, PacketCommand, Reply } from '@gim/protocol';
import { ConnectionTransport } from '../src/lib/core/connection';
import { Framing } from '../src/lib/core/framing';
import { GatewayCore, GatewayCoreOptions } from '../src/lib/core/gateway-core';
import { SILENT_LOGGER } from '../src/lib/core/logger';
import { Clock } from '../src/lib/core/sweeper';
import { BusRoomFeed } from '../src/lib/fanout.subscriber';
import type { LogicClient } from '../src/lib/logic-client';

/** Framing whose write units are bare packets, so that the fakes can read what was written. */
export const PACKET_FRAMING: Framing = { encode: encodePacket, wrap: (packetBytes) => packetBytes };

/** A transport that records what the core does to it. */
export class RecordingTransport implements ConnectionTransport {
  /** Each write call's frames. */
  readonly writes: Buffer[][] = [];
  /** Settable stand-in for the socket's own buffer. */
  writableLength = 0;
  ended: { code: number; reason: string } | undefined;
  destroyed = false;
  paused = false;

  write(frames: readonly Buffer[]): void {
    this.writes.push([...frames]);
  }

  end(code: number, reason: string): void {
    this.ended = { code, reason };
  }

  destroy(): void {
    this.destroyed = true;
  }

  pauseReading(): void {
    this.paused = true;
  }

  resumeReading(): void {
    this.paused = false;
  }

  /** Every packet written so far (PACKET_FRAMING: one frame = one packet). */
  packets(): Packet[] {
    return this.writes.flat().map((frame) => decodePacket(frame));
  }

  /** The replies written so far (not pushes, not close notices), with their packets' request id and command. */
  replies(): Array<Reply & { requestId: string; command: PacketCommand }> {
    return this.packets()
      .filter((packet) => packet.command !== PacketCommand.PC_CLOSE)
      .filter((packet) => packet.command !== PacketCommand.PC_MESSAGE || packet.requestId !== '')
      .map((packet) => ({
        ...Reply.decode(packet.content),
        requestId: packet.requestId,
        command: packet.command,
      }));
  }

  /** The CloseNotice written, if any. */
  closeNotice(): CloseNotice | undefined {
    const close = this.packets().find((packet) => packet.command === PacketCommand.PC_CLOSE);
    return close === undefined ? undefined : CloseNotice.decode(close.content);
  }
}

/** A transport whose socket goes away (`onEnd`) right after the core ends it, as a client that closes on PC_CLOSE. */
export class ClosingTransport extends RecordingTransport {
  onEnd: (() => void) | undefined;

  override end(code: number, reason: string): void {
    super.end(code, reason);
    setImmediate(() => this.onEnd?.());
  }
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public current = 1_000_000) {}

  now(): number {
    return this.current;
  }

  refresh(): void {
    // The test sets the time.
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

/** Logic in memory: accepts token `token-<user_id>`, records every call. */
export class InMemoryLogic implements LogicClient {
  readonly signIns: logicDevice.SignInRequest[] = [];
  /** The app each user signs in to (default app 1 unless set). */
  readonly appOfUser = new Map<number, number>();
  readonly offlines: logicDevice.OfflineRequest[] = [];
  readonly leases: logicDevice.RenewGatewayLeaseRequest[] = [];
  readonly restores: logicDevice.RestorePresenceRequest[] = [];
  readonly sends: logicMessageInt.SendUserMessageRequest[] = [];
  readonly syncs: logicMessageInt.DeviceSyncRequest[] = [];
  readonly acks: logicMessageInt.DeviceAckRequest[] = [];
  /** When set, the next SignIn waits for this promise. */
  signInGate: Promise<void> | undefined;
  /** When set, SendUserMessage fails with it. */
  sendFailure: unknown;
  /** What RenewGatewayLease answers as `restored`. */
  leaseRestored = false;
  /** When set, RenewGatewayLease fails with it. */
  leaseFailure: unknown;
  /** When set, RestorePresence fails with it. */
  restoreFailure: unknown;
  /** Devices RestorePresence reports as recorded elsewhere. */
  readonly devicesElsewhere = new Set<number>();

  async signIn(request: logicDevice.SignInRequest): Promise<logicDevice.SignInReply> {
    this.signIns.push(request);
    if (this.signInGate) await this.signInGate;
    if (request.token !== `token-${request.userId}`)
      throw new GimError(ErrorCode.Unauthorized, 'unauthorized: bad token');
    return {
      userId: request.userId,
      deviceId: request.deviceId,
      appId: this.appOfUser.get(request.userId) ?? 1,
    };
  }

  async offline(request: logicDevice.OfflineRequest): Promise<void> {
    this.offlines.push(request);
  }

  async renewGatewayLease(
    request: logicDevice.RenewGatewayLeaseRequest,
  ): Promise<logicDevice.RenewGatewayLeaseReply> {
    this.leases.push(request);
    if (this.leaseFailure !== undefined) throw this.leaseFailure;
    return { restored: this.leaseRestored };
  }

  async restorePresence(
    request: logicDevice.RestorePresenceRequest,
  ): Promise<logicDevice.RestorePresenceReply> {
    this.restores.push(request);
    if (this.restoreFailure !== undefined) throw this.restoreFailure;
    return { moved: request.connections.filter((each) => this.devicesElsewhere.has(each.deviceId)) };
  }

  async sendUserMessage(
    request: logicMessageInt.SendUserMessageRequest,
  ): Promise<logicMessageInt.SendUserMessageReply> {
    this.sends.push(request);
    if (this.sendFailure !== undefined) throw this.sendFailure;
    return { messageId: 77, seq: 5, createdAt: 1_700_000_000_000 };
  }

  async deviceSync(request: logicMessageInt.DeviceSyncRequest): Promise<logicMessageExt.SyncReply> {
    this.syncs.push(request);
    return { messages: [], hasMore: false };
  }

  async deviceAck(request: logicMessageInt.DeviceAckRequest): Promise<void> {
    this.acks.push(request);
  }

  /** ReadRoomHistory requests, in order. */
  readonly historyReads: logicRoom.ReadRoomHistoryRequest[] = [];
  /** What the next ReadRoomHistory calls answer, in order (then an empty page of an empty room). */
  readonly historyPages: logicRoom.ReadRoomHistoryReply[] = [];
  /** When set, the next ReadRoomHistory waits for this promise. */
  historyGate: Promise<void> | undefined;
  /** SendRoomMessage requests, in order. */
  readonly roomSends: logicRoom.SendRoomMessageRequest[] = [];

  async readRoomHistory(request: logicRoom.ReadRoomHistoryRequest): Promise<logicRoom.ReadRoomHistoryReply> {
    this.historyReads.push(request);
    const gate = this.historyGate;
    this.historyGate = undefined;
    if (gate) await gate;
    return (
      this.historyPages.shift() ?? {
        messages: [],
        hasMore: false,
        firstSeq: 1,
        lastSeq: 0,
        missed: false,
        lost: false,
      }
    );
  }

  async sendRoomMessage(request: logicRoom.SendRoomMessageRequest): Promise<logicRoom.SendRoomMessageReply> {
    this.roomSends.push(request);
    return { seq: this.roomSends.length, createdAt: 1 };
  }
}

/**
 * A GatewayCore over PACKET_FRAMING, an in-memory logic, a manual clock and a flush the test runs by hand
 * (lingering flushes included).
 */
export function testCore(overrides: Partial<GatewayCoreOptions> = {}): {
  core: GatewayCore;
  logic: InMemoryLogic;
  clock: ManualClock;
  flush: () => void;
  bus: MemoryBus;
  channels: Channels;
} {
  const logic = new InMemoryLogic();
  const bus = new MemoryBus();
  const channels = new Channels('test:');
  const clock = new ManualClock();
  const pending: Array<() => void> = [];
  const core = new GatewayCore({
    gatewayId: 'gw-test',
    framing: PACKET_FRAMING,
    logic,
    roomFeed: new BusRoomFeed(bus, channels),
    clock,
    logger: SILENT_LOGGER,
    maxQueueBytes: 1 << 20,
    signInTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
    schedule: (flush) => pending.push(flush),
    defer: (flush) => {
      pending.push(flush);
      return () => {
        const at = pending.indexOf(flush);
        if (at >= 0) pending.splice(at, 1);
      };
    },
    ...overrides,
  });
  const flush = (): void => {
    for (let next = pending.shift(); next !== undefined; next = pending.shift()) next();
  };
  return { core, logic, clock, flush, bus, channels };
}

/** Lets pending promise callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
