import { connectInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { encodePacket, Message, messagePacket, PacketCommand, SubscribeRoomReply } from '@gim/protocol';
import type { LogicClient } from '../logic-client';
import type { Connection } from './connection';
import type { Framing } from './framing';
import type { GatewayLogger } from './logger';
import type { Outbound } from './outbound';

/** Where a gateway gets a room's messages: the room's bus channel, listened to only while needed. */
export interface RoomFeed {
  /** Starts handing the room's RoomBatch payloads to `handler`; resolves once they flow. */
  subscribe(appId: number, roomId: number, handler: (payload: Buffer) => void): Promise<void>;
  /** Stops it; the channel is dropped with its last handler. */
  unsubscribe(appId: number, roomId: number, handler: (payload: Buffer) => void): Promise<void>;
}

/** How a join ended, for the joining connection's reply. */
export interface JoinOutcome {
  code: number;
  message: string;
  reply: SubscribeRoomReply;
}

/** A room message as the gateway writes it: framed once, shared by every subscriber. */
interface RoomFrame {
  seq: number;
  frame: Buffer;
}

/** One room with subscribers on this gateway. */
export class GatewayRoom {
  /** Connections receiving live messages. */
  readonly live = new Set<Connection>();
  /** Connections catching up, with the live messages that arrived meanwhile. */
  readonly joining = new Map<Connection, RoomFrame[]>();
  /** Settles once the room's channel flows. */
  ready: Promise<void> = Promise.resolve();

  constructor(
    readonly appId: number,
    readonly roomId: number,
    readonly key: string,
    readonly handler: (payload: Buffer) => void,
  ) {}

  get size(): number {
    return this.live.size + this.joining.size;
  }
}

/** History messages asked for per catch-up call. */
const HISTORY_PAGE = 500;
/** How long a join waits for the room's channel (the bus may be reconnecting) before answering 10500. */
const CHANNEL_WAIT_MS = 5_000;
/** Live messages a catching-up connection may hold back; past it the connection is told to resubscribe. */
const MAX_HELD_WHILE_JOINING = 10_000;

/**
 * The rooms of one gateway. A connection is in one room at most. The gateway listens on a room's channel only
 * while one of its connections is in the room. A join listens first, then reads the history after the client's
 * seq from logic, writes it, then the live messages that arrived meanwhile (those not already replayed), then
 * live ones: no gap and no duplicate across the switch, since the channel carries the room's messages in seq
 * order. Each live message is framed once per gateway, and each batch is written to every subscriber as one
 * buffer.
 */
export class Rooms {
  private readonly rooms = new Map<string, GatewayRoom>();

  constructor(
    private readonly feed: RoomFeed,
    private readonly logic: LogicClient,
    private readonly framing: Framing,
    private readonly outbound: Outbound,
    private readonly logger: GatewayLogger,
    /** Closes a connection that fell too far behind while joining. */
    private readonly drop: (connection: Connection, code: number, reason: string) => void,
  ) {}

  /** Rooms this gateway listens to now. */
  get count(): number {
    return this.rooms.size;
  }

  /** The gateway's room `roomId` of app `appId`, when one of its connections is in it. */
  room(appId: number, roomId: number): GatewayRoom | undefined {
    return this.rooms.get(`${appId}:${roomId}`);
  }

  /**
   * Moves a signed-in connection into a room (0: out of its room) and catches it up from `seq`. `answer` runs
   * before any replayed message is queued; it gets 0, or 10231 when messages after `seq` are gone (still joined),
   * or the error that kept the connection out.
   */
  async join(
    connection: Connection,
    roomId: number,
    seq: number,
    answer: (outcome: JoinOutcome) => void,
  ): Promise<void> {
    const identity = connection.identity;
    if (identity === undefined) return;
    this.leave(connection);
    if (roomId === 0) {
      answer({ code: 0, message: '', reply: { roomId: 0, lastSeq: 0, firstSeq: 0, missed: false } });
      return;
    }
    const room = this.enter(identity.appId, roomId);
    const held: RoomFrame[] = [];
    room.joining.set(connection, held);
    connection.room = room;
    try {
      await within(
        room.ready,
        CHANNEL_WAIT_MS,
        `room ${roomId} unavailable: its channel is not listening yet; retry`,
      );
      let after = seq;
      let page = await this.logic.readRoomHistory({
        appId: identity.appId,
        roomId,
        seq,
        limit: HISTORY_PAGE,
      });
      if (room.joining.get(connection) !== held) return;
      const reply = { roomId, lastSeq: page.lastSeq, firstSeq: page.firstSeq, missed: page.missed };
      answer(
        page.missed
          ? {
              code: ErrorCode.RoomHistoryGap,
              message: page.lost
                ? `subscribed; the room's history was lost, messages after seq ${seq} are gone; replaying from seq ${page.firstSeq}`
                : `subscribed; messages after seq ${seq} are older than the room's history; replaying from seq ${page.firstSeq}`,
              reply,
            }
          : { code: 0, message: '', reply },
      );
      after = seq === 0 ? page.lastSeq : page.missed ? page.firstSeq - 1 : seq;
      for (;;) {
        for (const message of page.messages) {
          this.outbound.enqueuePush(connection, this.frame(message).frame);
          after = message.seq;
        }
        this.outbound.pushed();
        if (!page.hasMore) break;
        page = await this.logic.readRoomHistory({
          appId: identity.appId,
          roomId,
          seq: after,
          limit: HISTORY_PAGE,
        });
        if (room.joining.get(connection) !== held) return;
      }
      for (const message of held) {
        if (message.seq > after) this.outbound.enqueuePush(connection, message.frame);
      }
      room.joining.delete(connection);
      room.live.add(connection);
      this.outbound.pushed();
    } catch (error) {
      if (room.joining.get(connection) !== held) return;
      this.leave(connection);
      const failure =
        error instanceof GimError
          ? error
          : new GimError(ErrorCode.Unavailable, `room ${roomId} unavailable: ${String(error)}`);
      answer({
        code: failure.code,
        message: failure.message,
        reply: { roomId: 0, lastSeq: 0, firstSeq: 0, missed: false },
      });
    }
  }

  /** Takes a connection out of its room (room 0, disconnect, kick); the last one out stops the room's channel. */
  leave(connection: Connection): void {
    const room = connection.room;
    if (room === undefined) return;
    connection.room = undefined;
    room.live.delete(connection);
    room.joining.delete(connection);
    if (room.size > 0 || this.rooms.get(room.key) !== room) return;
    this.rooms.delete(room.key);
    this.feed.unsubscribe(room.appId, room.roomId, room.handler).catch((error: unknown) => {
      this.logger.warn(`leaving room channel ${room.key} failed: ${String(error)}`);
    });
  }

  /** Delivers one RoomBatch payload of a room: framed once, one buffer per live subscriber. */
  deliver(room: GatewayRoom, payload: Buffer): void {
    let messages: Buffer[];
    try {
      messages = connectInt.RoomBatch.decode(payload).messages;
    } catch (error) {
      this.logger.warn(`dropped an undecodable ${payload.length}-byte room payload: ${String(error)}`);
      return;
    }
    const frames: RoomFrame[] = [];
    for (const bytes of messages) {
      const frame = this.frameBytes(bytes);
      if (frame !== undefined) frames.push(frame);
    }
    if (frames.length === 0) return;
    const [only] = frames;
    const combined =
      frames.length === 1 && only ? only.frame : Buffer.concat(frames.map((item) => item.frame));
    for (const connection of room.live) {
      if (connection.state === 'signed-in') this.outbound.enqueuePush(connection, combined);
    }
    for (const [connection, held] of room.joining) {
      held.push(...frames);
      if (held.length > MAX_HELD_WHILE_JOINING) {
        this.leave(connection);
        this.drop(
          connection,
          ErrorCode.SlowConsumer,
          'fell too far behind while joining the room; resubscribe',
        );
      }
    }
    this.outbound.pushed();
  }

  private enter(appId: number, roomId: number): GatewayRoom {
    const key = `${appId}:${roomId}`;
    const existing = this.rooms.get(key);
    if (existing !== undefined) return existing;
    const room: GatewayRoom = new GatewayRoom(appId, roomId, key, (payload) => this.deliver(room, payload));
    room.ready = this.feed.subscribe(appId, roomId, room.handler);
    room.ready.catch(() => undefined);
    this.rooms.set(key, room);
    return room;
  }

  // A replayed message, framed for this connection alone.
  private frame(message: Message): RoomFrame {
    return { seq: message.seq, frame: this.framing.encode(messagePacket(message)) };
  }

  private frameBytes(bytes: Buffer): RoomFrame | undefined {
    let seq: number;
    try {
      seq = Message.decode(bytes).seq;
    } catch {
      return undefined;
    }
    const packet = encodePacket({ requestId: '', command: PacketCommand.PC_MESSAGE, content: bytes, seq });
    return { seq, frame: this.framing.wrap(packet) };
  }
}

/** `promise`, or a 10500 GimError with `reason` once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GimError(ErrorCode.Unavailable, reason)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
