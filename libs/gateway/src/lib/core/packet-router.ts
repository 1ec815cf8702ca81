import type { GatewayMetrics } from './gateway-metrics';
import { ErrorCode, GimError } from '@gim/errors';
import {
  AckRequest,
  Packet,
  PacketCommand,
  replyPacket,
  SendMessageReply,
  SendMessageRequest,
  SignInRequest,
  SubscribeRoomRequest,
  SyncReply,
  SyncRequest,
} from '@gim/protocol';
import type { LogicClient } from '../logic-client';
import { Connection, DeviceIdentity } from './connection';
import { GatewayLogger } from './logger';
import { Clock } from './sweeper';

/** Reply code for a failure that is not a gim business outcome (gRPC INTERNAL). */
export const INTERNAL_ERROR_CODE = 13;
/** Requests of one connection that may wait for logic at once; reading pauses above it. */
export const MAX_IN_FLIGHT = 64;
/** Packets a connection may send while its sign-in is being checked; they are handled once it succeeds. */
export const MAX_HELD_PACKETS = 32;

/** What the router asks of the gateway around it. */
export interface RouterHost {
  /** Queues a packet for a connection. */
  send(connection: Connection, packet: Packet): void;
  /** Sends PC_CLOSE and closes a connection. */
  close(connection: Connection, code: number, reason: string): void;
  /** Makes a freshly signed-in connection its device's connection, closing the previous one. */
  register(connection: Connection): void;
  /** Tells logic a signed-in connection is gone. */
  reportOffline(connection: Connection): void;
  /** Moves a signed-in connection into a room (0: out of its room); the reply carries `requestId`. */
  joinRoom(connection: Connection, requestId: string, roomId: number, seq: number): void;
}

/** Dependencies of a PacketRouter. */
export interface PacketRouterOptions {
  gatewayId: string;
  logic: LogicClient;
  clock: Clock;
  logger: GatewayLogger;
  host: RouterHost;
  /** Counts sign-ins and their refusals. */
  metrics?: GatewayMetrics;
}

interface Decoder<T> {
  decode(input: Uint8Array): T;
}

function decodeContent<T>(type: Decoder<T>, content: Buffer): T | undefined {
  try {
    return type.decode(content);
  } catch {
    return undefined;
  }
}

const isId = (value: number): boolean => Number.isSafeInteger(value) && value > 0;
const isIdOrZero = (value: number): boolean => value === 0 || isId(value);

/** Commands only the server sends: a client packet carrying one is refused (10402), and no reply repeats it. */
const SERVER_COMMANDS: ReadonlySet<PacketCommand> = new Set([
  PacketCommand.PC_MESSAGE,
  PacketCommand.PC_CLOSE,
  PacketCommand.PC_SYNC_NOTICE,
]);

/** The command a reply carries: the request's, except a server-only command, which a client could take for a push. */
function replyCommand(command: PacketCommand): PacketCommand {
  return SERVER_COMMANDS.has(command) ? PacketCommand.PC_UNKNOWN : command;
}

/** Turns each client packet into a reply, a logic call or a close, by connection state and command. */
export class PacketRouter {
  private readonly gatewayId: string;
  private readonly logic: LogicClient;
  private readonly clock: Clock;
  private readonly logger: GatewayLogger;
  private readonly host: RouterHost;
  private readonly metrics: GatewayMetrics | undefined;

  constructor(options: PacketRouterOptions) {
    this.gatewayId = options.gatewayId;
    this.logic = options.logic;
    this.clock = options.clock;
    this.logger = options.logger;
    this.host = options.host;
    this.metrics = options.metrics;
  }

  /** Handles one packet a client sent. */
  handle(connection: Connection, packet: Packet): void {
    connection.lastPacketAt = this.clock.now();
    switch (connection.state) {
      case 'awaiting-sign-in':
        if (packet.command === PacketCommand.PC_SIGN_IN) this.signInPacket(connection, packet);
        else this.reply(connection, packet, ErrorCode.Unauthorized, 'unauthorized: sign in first');
        return;
      case 'signing-in':
        if ((connection.held?.length ?? 0) < MAX_HELD_PACKETS) {
          // A copy: the content would otherwise be a view keeping the whole socket read chunk alive.
          (connection.held ??= []).push({ ...packet, content: Buffer.from(packet.content) });
        } else
          this.reply(connection, packet, ErrorCode.Unauthorized, 'unauthorized: sign-in still in progress');
        return;
      case 'signed-in':
        this.dispatch(connection, packet);
        return;
      case 'closing':
      case 'closed':
        return;
    }
  }

  /** Starts the sign-in of a connection awaiting it; the reply carries `requestId`. */
  signIn(connection: Connection, requestId: string, request: SignInRequest): void {
    if (connection.state !== 'awaiting-sign-in') {
      if (connection.isOpen) {
        this.replyTo(
          connection,
          requestId,
          PacketCommand.PC_SIGN_IN,
          ErrorCode.AlreadySignedIn,
          'connection already signed in',
        );
      }
      return;
    }
    const { userId, deviceId, token } = request;
    // 0 ids are for app tokens, which name the user and device themselves.
    if (!isIdOrZero(userId) || !isIdOrZero(deviceId) || token === '') {
      this.replyTo(
        connection,
        requestId,
        PacketCommand.PC_SIGN_IN,
        ErrorCode.BadRequest,
        'bad request: sign-in needs user_id, device_id and token',
      );
      return;
    }
    connection.state = 'signing-in';
    this.logic
      .signIn({
        userId,
        deviceId,
        token,
        clientAddr: connection.remoteAddress,
        gatewayId: this.gatewayId,
        connId: connection.id,
      })
      .then(
        (reply) =>
          this.signedIn(connection, requestId, {
            userId: reply.userId || userId,
            deviceId: reply.deviceId || deviceId,
            appId: reply.appId || 1,
          }),
        (error: unknown) => this.signInFailed(connection, requestId, error),
      );
  }

  private signInPacket(connection: Connection, packet: Packet): void {
    const request = decodeContent(SignInRequest, packet.content);
    if (request === undefined) {
      this.reply(connection, packet, ErrorCode.BadRequest, 'bad request: content is not a SignInRequest');
      return;
    }
    this.signIn(connection, packet.requestId, request);
  }

  private signedIn(connection: Connection, requestId: string, identity: DeviceIdentity): void {
    connection.identity = identity;
    if (connection.state === 'closed') {
      this.host.reportOffline(connection);
      return;
    }
    if (connection.state !== 'signing-in') return;
    connection.state = 'signed-in';
    connection.lastPacketAt = this.clock.now();
    this.host.register(connection);
    this.metrics?.signIn(0);
    this.replyTo(connection, requestId, PacketCommand.PC_SIGN_IN, 0, '');
    const held = connection.held;
    connection.held = undefined;
    for (const packet of held ?? []) this.handle(connection, packet);
  }

  private signInFailed(connection: Connection, requestId: string, error: unknown): void {
    connection.held = undefined;
    if (!connection.isOpen) return;
    const { code, message } = this.failure(connection, requestId, PacketCommand.PC_SIGN_IN, error);
    this.metrics?.signIn(code);
    this.replyTo(connection, requestId, PacketCommand.PC_SIGN_IN, code, message);
    this.host.close(connection, code, message);
  }

  private dispatch(connection: Connection, packet: Packet): void {
    const command: PacketCommand = packet.command;
    switch (command) {
      case PacketCommand.PC_SIGN_IN:
        this.reply(connection, packet, ErrorCode.AlreadySignedIn, 'connection already signed in');
        return;
      case PacketCommand.PC_HEARTBEAT:
        this.reply(connection, packet, 0, '');
        return;
      case PacketCommand.PC_SUBSCRIBE_ROOM:
        this.subscribeRoom(connection, packet);
        return;
      case PacketCommand.PC_SEND_MESSAGE:
        this.sendMessage(connection, packet);
        return;
      case PacketCommand.PC_SYNC:
        this.sync(connection, packet);
        return;
      case PacketCommand.PC_ACK:
        this.ack(connection, packet);
        return;
      case PacketCommand.PC_UNKNOWN:
        this.reply(connection, packet, ErrorCode.BadRequest, 'bad request: packet has no command');
        return;
      case PacketCommand.PC_MESSAGE:
      case PacketCommand.PC_CLOSE:
      case PacketCommand.PC_SYNC_NOTICE:
        this.reply(
          connection,
          packet,
          ErrorCode.UnknownCommand,
          `command ${command} is sent by the server only`,
        );
        return;
      default:
        this.reply(connection, packet, ErrorCode.UnknownCommand, `unknown command ${String(command)}`);
    }
  }

  private subscribeRoom(connection: Connection, packet: Packet): void {
    const request = decodeContent(SubscribeRoomRequest, packet.content);
    if (request === undefined || !isIdOrZero(request.roomId) || !isIdOrZero(request.seq)) {
      this.reply(
        connection,
        packet,
        ErrorCode.BadRequest,
        'bad request: content is not a SubscribeRoomRequest with a room_id and seq up to 2^53-1',
      );
      return;
    }
    this.host.joinRoom(connection, packet.requestId, request.roomId, request.seq);
  }

  private sendMessage(connection: Connection, packet: Packet): void {
    const request = decodeContent(SendMessageRequest, packet.content);
    if (request === undefined) {
      this.reply(
        connection,
        packet,
        ErrorCode.BadRequest,
        'bad request: content is not a SendMessageRequest',
      );
      return;
    }
    if (request.toRoomId !== 0) {
      this.sendRoomMessage(connection, packet, request);
      return;
    }
    this.call(connection, packet, async ({ userId, deviceId }) => {
      const sent = await this.logic.sendUserMessage({
        userId,
        deviceId,
        toUserId: request.toUserId,
        toGroupId: request.toGroupId,
        clientMsgId: request.clientMsgId,
        content: request.content,
      });
      return SendMessageReply.encode({
        messageId: sent.messageId,
        seq: sent.seq,
        createdAt: sent.createdAt,
      }).finish();
    });
  }

  // A room message: only to the room the connection is in (joining or live).
  private sendRoomMessage(connection: Connection, packet: Packet, request: SendMessageRequest): void {
    if (request.toUserId !== 0 || request.toGroupId !== 0 || !isId(request.toRoomId)) {
      const reason = 'bad request: a room message names to_room_id only, up to 2^53-1';
      this.reply(connection, packet, ErrorCode.BadRequest, reason);
      return;
    }
    if (connection.room?.roomId !== request.toRoomId) {
      const reason = `the connection is not in room ${request.toRoomId}; subscribe to it first`;
      this.reply(connection, packet, ErrorCode.RoomNotJoined, reason);
      return;
    }
    this.call(connection, packet, async ({ userId, deviceId, appId }) => {
      const sent = await this.logic.sendRoomMessage({
        userId,
        deviceId,
        appId,
        roomId: request.toRoomId,
        clientMsgId: request.clientMsgId,
        content: request.content,
      });
      return SendMessageReply.encode({ messageId: 0, seq: sent.seq, createdAt: sent.createdAt }).finish();
    });
  }

  private sync(connection: Connection, packet: Packet): void {
    const request = decodeContent(SyncRequest, packet.content);
    if (request === undefined) {
      this.reply(connection, packet, ErrorCode.BadRequest, 'bad request: content is not a SyncRequest');
      return;
    }
    this.call(connection, packet, async ({ userId, deviceId }) => {
      const page = await this.logic.deviceSync({ userId, deviceId, seq: request.seq, limit: request.limit });
      return SyncReply.encode({ messages: page.messages, hasMore: page.hasMore }).finish();
    });
  }

  private ack(connection: Connection, packet: Packet): void {
    const request = decodeContent(AckRequest, packet.content);
    if (request === undefined) {
      this.reply(connection, packet, ErrorCode.BadRequest, 'bad request: content is not an AckRequest');
      return;
    }
    this.call(connection, packet, async ({ userId, deviceId }) => {
      await this.logic.deviceAck({ userId, deviceId, seq: request.seq });
      return undefined;
    });
  }

  private call(
    connection: Connection,
    packet: Packet,
    work: (identity: DeviceIdentity) => Promise<Uint8Array | undefined>,
  ): void {
    const identity = connection.identity;
    if (identity === undefined) return;
    connection.inFlight++;
    if (connection.inFlight >= MAX_IN_FLIGHT && !connection.readingPaused) {
      connection.readingPaused = true;
      connection.transport.pauseReading();
    }
    work(identity)
      .then(
        (data) => this.reply(connection, packet, 0, '', data),
        (error: unknown) => {
          const { code, message } = this.failure(connection, packet.requestId, packet.command, error);
          this.reply(connection, packet, code, message);
        },
      )
      .finally(() => {
        connection.inFlight--;
        if (
          connection.readingPaused &&
          connection.inFlight <= MAX_IN_FLIGHT / 2 &&
          connection.isOpen &&
          !connection.leaving
        ) {
          connection.readingPaused = false;
          connection.transport.resumeReading();
        }
      })
      .catch((error: unknown) => this.logger.error(`connection ${connection.id}: ${String(error)}`));
  }

  private failure(
    connection: Connection,
    requestId: string,
    command: PacketCommand,
    error: unknown,
  ): { code: number; message: string } {
    if (error instanceof GimError) return { code: error.code, message: error.message };
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.logger.error(
      `connection ${connection.id} (${connection.remoteAddress}) request ${requestId || '-'} command ${command} failed: ${stack}`,
    );
    return { code: INTERNAL_ERROR_CODE, message: 'internal error' };
  }

  private reply(
    connection: Connection,
    packet: Packet,
    code: number,
    message: string,
    data?: Uint8Array,
  ): void {
    this.replyTo(connection, packet.requestId, replyCommand(packet.command), code, message, data);
  }

  private replyTo(
    connection: Connection,
    requestId: string,
    command: PacketCommand,
    code: number,
    message: string,
    data?: Uint8Array,
  ): void {
    this.host.send(connection, replyPacket(requestId, command, code, message, data));
  }
}
