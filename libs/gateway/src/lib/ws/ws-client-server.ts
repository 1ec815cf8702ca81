import { createServer, IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { ErrorCode } from '@gim/errors';
import { decodePacket, ProtocolError } from '@gim/protocol';
import { RawData, WebSocket, WebSocketServer } from 'ws';
import { ClientServer, listenOn, within } from '../client-server';
import { AddressSlot, PendingSocket } from '../core/admission';
import { Connection } from '../core/connection';
import { GatewayCore } from '../core/gateway-core';
import { GatewayLogger } from '../core/logger';
import { WsTransport } from './ws-transport';

/** The HTTP path WebSocket clients connect to. */
export const WS_PATH = '/ws';

/** Slack above the frame limit up to which the gateway reads a message itself to refuse it with a reason. */
const OVERSIZE_SLACK_BYTES = 4_096;

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
const TOO_MANY_REQUESTS = 'HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';

/** A socket from TCP accept to the end of its WebSocket handshake; `slot` undefined means over the limit. */
class Handshake implements PendingSocket {
  constructor(
    readonly socket: Socket,
    readonly openedAt: number,
    readonly slot: AddressSlot | undefined,
  ) {}

  expire(): void {
    this.socket.destroy();
  }
}

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function remoteAddress(request: IncomingMessage): string {
  const { remoteAddress: host, remotePort: port } = request.socket;
  return `${host ?? '?'}:${port ?? 0}`;
}

/**
 * Accepts WebSocket clients on an HTTP server at /ws: one binary message is one packet. An upgrade URL with
 * user_id, device_id and token query parameters signs the connection in right after the handshake.
 */
export class WsClientServer implements ClientServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly handshakes = new WeakMap<Duplex, Handshake>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly core: GatewayCore,
    private readonly maxFrameBytes: number,
    private readonly logger: GatewayLogger,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: true,
      perMessageDeflate: false,
      maxPayload: maxFrameBytes + OVERSIZE_SLACK_BYTES,
    });
    this.http = createServer((request, response) => {
      if (this.handshakes.get(request.socket)?.slot === undefined) {
        response.writeHead(429, { connection: 'close' }).end();
        return;
      }
      response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'close' });
      response.end(`gim: connect with a WebSocket to ${WS_PATH}\n`);
    });
    this.http.on('connection', (socket: Socket) => this.accepted(socket));
    this.http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.http, host, port, (error) =>
      this.logger.error(`WebSocket listener: ${String(error)}`),
    );
  }

  stopAccepting(): void {
    this.closing ??= new Promise((resolve) => this.http.close(() => resolve()));
  }

  async closed(timeoutMs: number): Promise<void> {
    this.stopAccepting();
    this.http.closeIdleConnections();
    await within(this.closing ?? Promise.resolve(), timeoutMs);
    for (const ws of this.wss.clients) ws.terminate();
    this.http.closeAllConnections();
  }

  private accepted(socket: Socket): void {
    const handshake = new Handshake(
      socket,
      this.core.now(),
      this.core.slots.take(socket.remoteAddress ?? '?'),
    );
    this.handshakes.set(socket, handshake);
    this.core.sweeper.pending.add(handshake);
    socket.once('close', () => {
      this.core.sweeper.pending.delete(handshake);
      handshake.slot?.release();
    });
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const handshake = this.handshakes.get(socket);
    if (handshake?.slot === undefined) {
      socket.end(TOO_MANY_REQUESTS);
      return;
    }
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (url.pathname !== WS_PATH || this.closing !== undefined) {
      socket.end(NOT_FOUND);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.core.sweeper.pending.delete(handshake);
      this.accept(ws, socket, request, url, handshake);
    });
  }

  private accept(
    ws: WebSocket,
    socket: Duplex,
    request: IncomingMessage,
    url: URL,
    handshake: Handshake,
  ): void {
    const connection = this.core.open(
      new WsTransport(ws, socket),
      remoteAddress(request),
      handshake.slot,
      handshake.openedAt,
    );
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(connection, data, isBinary));
    ws.on('error', (error) => this.logger.debug(`connection ${connection.id}: ${error.message}`));
    ws.on('close', () => this.core.closed(connection));
    const query = url.searchParams;
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
