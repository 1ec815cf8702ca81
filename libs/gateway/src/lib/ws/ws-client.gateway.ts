import type { IncomingMessage } from 'node:http';
import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import { ErrorCode } from '@gim/errors';
import { decodePacket, ProtocolError } from '@gim/protocol';
import { RawData, WebSocket } from 'ws';
import { Connection } from '../core/connection';
import { GatewayCore } from '../core/gateway-core';
import { GATEWAY_SETTINGS, GatewaySettings } from '../gateway.tokens';
import { AcceptedSocket, WS_PATH } from './ws-client-server';
import { WsTransport } from './ws-transport';

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * The ws-gateway's clients: one binary WebSocket message is one Packet, handed to the transport-independent
 * core by a 'message' listener of its own (no Nest pipeline per packet). An upgrade URL with user_id,
 * device_id and token query parameters signs the connection in right after the handshake.
 */
@WebSocketGateway({ path: WS_PATH })
export class WsClientGateway implements OnGatewayConnection<WebSocket>, OnGatewayDisconnect<WebSocket> {
  private readonly logger = new Logger('Gateway');
  private readonly connections = new WeakMap<WebSocket, Connection>();
  private readonly maxFrameBytes: number;

  constructor(
    private readonly core: GatewayCore,
    @Inject(GATEWAY_SETTINGS) settings: GatewaySettings,
  ) {
    this.maxFrameBytes = settings.config.GIM_MAX_FRAME_BYTES;
  }

  handleConnection(ws: WebSocket, request: IncomingMessage, accepted: AcceptedSocket): void {
    try {
      this.open(ws, request, accepted);
    } catch (error) {
      this.logger.error(`WebSocket connection setup failed: ${String(error)}`);
      ws.terminate();
    }
  }

  handleDisconnect(ws: WebSocket): void {
    const connection = this.connections.get(ws);
    if (connection !== undefined) this.core.closed(connection);
  }

  private open(ws: WebSocket, request: IncomingMessage, accepted: AcceptedSocket): void {
    const { socket } = accepted;
    const connection = this.core.open(
      new WsTransport(ws, socket),
      `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
      accepted.slot,
      accepted.openedAt,
    );
    this.connections.set(ws, connection);
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(connection, data, isBinary));
    ws.on('error', (error) => this.logger.debug(`connection ${connection.id}: ${error.message}`));
    const query = new URL(request.url ?? '/', 'http://gateway').searchParams;
    if (query.has('user_id') || query.has('device_id') || query.has('token')) {
      this.core.router.signIn(connection, '', {
        userId: Number(query.get('user_id') ?? ''),
        deviceId: Number(query.get('device_id') ?? ''),
        token: query.get('token') ?? '',
      });
    }
  }

  private receive(connection: Connection, data: RawData, isBinary: boolean): void {
    if (!connection.isOpen) return;
    if (!isBinary) {
      this.core.close(
        connection,
        ErrorCode.MalformedFrame,
        'text messages are not part of the protocol; send binary packets',
      );
      return;
    }
    try {
      this.core.receive(connection, decodePacket(asBuffer(data), this.maxFrameBytes));
    } catch (error) {
      if (error instanceof ProtocolError) this.core.protocolError(connection, error);
      else this.core.failed(connection, error);
    }
  }
}
