import type { IncomingMessage } from 'node:http';
import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import { ErrorCode } from '@gim/errors';
import { decodePacket, ProtocolError } from '@gim/protocol';
import { GatewayCore } from '../core/gateway-core';
import { GATEWAY_SETTINGS, GatewaySettings } from '../gateway.tokens';
import { WsProtocolError } from './ws-frame-reader';
import { AcceptedSocket, WS_PATH } from './ws-client-server';
import { WsClientHandler, WsTransport } from './ws-transport';

/**
 * The ws-gateway's clients: one binary WebSocket message is one Packet, handed to the transport-independent
 * core (no Nest pipeline per packet; the gateway itself is every client's message handler). An upgrade URL
 * with user_id, device_id and token query parameters signs the connection in right after the handshake.
 */
@WebSocketGateway({ path: WS_PATH })
export class WsClientGateway
  implements OnGatewayConnection<WsTransport>, OnGatewayDisconnect<WsTransport>, WsClientHandler
{
  private readonly logger = new Logger('Gateway');
  private readonly maxFrameBytes: number;

  constructor(
    private readonly core: GatewayCore,
    @Inject(GATEWAY_SETTINGS) settings: GatewaySettings,
  ) {
    this.maxFrameBytes = settings.config.GIM_MAX_FRAME_BYTES;
  }

  handleConnection(client: WsTransport, request: IncomingMessage, accepted: AcceptedSocket): void {
    try {
      this.open(client, request, accepted);
    } catch (error) {
      this.logger.error(`WebSocket connection setup failed: ${String(error)}`);
      client.destroy();
    }
  }

  handleDisconnect(client: WsTransport): void {
    if (client.connection !== undefined) this.core.closed(client.connection);
  }

  /** One binary message is one Packet; a text message closes the connection with 10400. */
  message(client: WsTransport, data: Buffer, isBinary: boolean): void {
    const connection = client.connection;
    if (connection === undefined || !connection.isOpen) return;
    if (!isBinary) {
      this.core.close(
        connection,
        ErrorCode.MalformedFrame,
        'text messages are not part of the protocol; send binary packets',
      );
      return;
    }
    try {
      this.core.receive(connection, decodePacket(data, this.maxFrameBytes));
    } catch (error) {
      if (error instanceof ProtocolError) this.core.protocolError(connection, error);
      else this.core.failed(connection, error);
    }
  }

  /** A frame-level violation: PC_CLOSE 10401 for a message over the limit (close 1009), else 10400 (1002). */
  protocolError(client: WsTransport, error: WsProtocolError): void {
    const connection = client.connection;
    if (connection === undefined || !connection.isOpen) {
      client.destroy();
      return;
    }
    const code = error.closeCode === 1009 ? ErrorCode.FrameTooLarge : ErrorCode.MalformedFrame;
    this.core.close(
      connection,
      code,
      `${code === ErrorCode.FrameTooLarge ? 'frame too large' : 'malformed frame'}: ${error.message}`,
    );
  }

  private open(client: WsTransport, request: IncomingMessage, accepted: AcceptedSocket): void {
    const { socket } = accepted;
    const connection = this.core.open(
      client,
      `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
      accepted.slot,
      accepted.openedAt,
    );
    client.connection = connection;
    client.handler = this;
    const query = new URL(request.url ?? '/', 'http://gateway').searchParams;
    if (query.has('user_id') || query.has('device_id') || query.has('token')) {
      this.core.router.signIn(connection, '', {
        userId: Number(query.get('user_id') ?? ''),
        deviceId: Number(query.get('device_id') ?? ''),
        token: query.get('token') ?? '',
      });
    }
  }
}
