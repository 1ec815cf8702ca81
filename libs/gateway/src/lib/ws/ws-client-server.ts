import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { WebSocketAdapter, WsMessageHandler } from '@nestjs/common';
import type { GatewayMetadata } from '@nestjs/websockets';
import { ClientServer, listenOn, within } from '../client-server';
import { AddressSlot, PendingSocket } from '../core/admission';
import { GatewayCore } from '../core/gateway-core';
import { GatewayLogger } from '../core/logger';
import { WsTransport } from './ws-transport';

/** The HTTP path WebSocket clients connect to. */
export const WS_PATH = '/ws';

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
const TOO_MANY_REQUESTS = 'HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
const UNSUPPORTED_VERSION =
  'HTTP/1.1 426 Upgrade Required\r\nsec-websocket-version: 13\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
/** RFC 6455 §1.3: appended to the client's key before hashing it into Sec-WebSocket-Accept. */
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

/** The Sec-WebSocket-Accept value that answers a client's Sec-WebSocket-Key. */
export function webSocketAccept(key: string): string {
  return createHash('sha1')
    .update(key + ACCEPT_GUID)
    .digest('base64');
}

/** The WebSocket server Nest's adapter API deals in: where the gateway's connection callback is bound. */
export class WsEndpoint {
  /** Nest's per-client connection callback (`handleConnection(client, request, accepted)` behind it). */
  onConnection: ((...args: unknown[]) => void) | undefined = undefined;

  constructor(
    /** The HTTP path of the gateway. */
    readonly path: string,
  ) {}
}

/** A client socket from its TCP accept on: when, and the address slot it holds until it signs in. */
export interface AcceptedSocket {
  /** The TCP socket under the WebSocket. */
  readonly socket: Socket;
  /** Coarse time of the TCP accept; the sign-in timeout runs from it. */
  readonly openedAt: number;
  /** The address's unauthenticated slot; undefined when the address was over its limit. */
  readonly slot: AddressSlot | undefined;
}

class Handshake implements AcceptedSocket, PendingSocket {
  constructor(
    readonly socket: Socket,
    readonly openedAt: number,
    readonly slot: AddressSlot | undefined,
  ) {}

  expire(): void {
    this.socket.destroy();
  }
}

/**
 * The WebSocket listener as Nest's WebSocket adapter: an HTTP server that upgrades at the gateway's path
 * (`@WebSocketGateway({ path })`) with gim's own RFC 6455 handshake and hands each client, a WsTransport, to
 * the gateway's `handleConnection(client, request, accepted)`. It answers plain HTTP with 426, other paths
 * with 404, a socket over the per-address limit with 429 and a malformed handshake with 400; sockets still
 * in their handshake are expired by the core's sweep at the sign-in timeout. Nest's port is not used: the
 * gateway runtime makes it listen on GIM_GATEWAY_LISTEN once it is ready. Socket listeners are shared by
 * every client (`this` is the socket), so a connection costs no closures.
 */
export class WsClientServer
  implements ClientServer, WebSocketAdapter<WsEndpoint, WsTransport, GatewayMetadata>
{
  private readonly http: Server;
  private readonly handshakes = new WeakMap<Duplex, Handshake>();
  private readonly clients = new Map<Socket, WsTransport>();
  private endpoint: WsEndpoint | undefined;
  private path = WS_PATH;
  private closing: Promise<void> | undefined;
  private readonly onHandshakeClose: (this: Socket) => void;
  private readonly onData: (this: Socket, chunk: Buffer) => void;
  private readonly onEnd: (this: Socket) => void;
  private readonly onClose: (this: Socket) => void;
  private readonly onError: (this: Socket, error: Error) => void;

  constructor(
    private readonly core: GatewayCore,
    private readonly maxFrameBytes: number,
    private readonly logger: GatewayLogger,
  ) {
    this.http = createServer((request, response) => {
      if (this.handshakes.get(request.socket)?.slot === undefined) {
        response.writeHead(429, { connection: 'close' }).end();
        return;
      }
      response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'close' });
      response.end(`gim: connect with a WebSocket to ${this.path}\n`);
    });
    this.http.on('connection', (socket: Socket) => this.accepted(socket));
    this.http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
    const { handshakes, clients } = this;
    const pending = core.sweeper.pending;
    this.onHandshakeClose = function () {
      const handshake = handshakes.get(this);
      if (handshake === undefined) return;
      handshakes.delete(this);
      pending.delete(handshake);
      handshake.slot?.release();
    };
    this.onData = function (chunk) {
      clients.get(this)?.receive(chunk);
    };
    this.onEnd = function () {
      clients.get(this)?.gone();
      this.end();
    };
    this.onClose = function () {
      const client = clients.get(this);
      clients.delete(this);
      client?.gone();
    };
    this.onError = function (error) {
      logger.debug(`connection ${clients.get(this)?.connection?.id ?? '?'}: ${error.message}`);
    };
  }

  create(_port: number, options: GatewayMetadata = {}): WsEndpoint {
    if (this.endpoint !== undefined) throw new Error('the gim WebSocket adapter serves one gateway');
    this.path = options.path ?? WS_PATH;
    this.endpoint = new WsEndpoint(this.path);
    return this.endpoint;
  }

  bindClientConnect(server: WsEndpoint, callback: (...args: unknown[]) => void): void {
    server.onConnection = callback;
  }

  bindClientDisconnect(client: WsTransport, callback: () => void): void {
    client.onGone = callback;
  }

  /** Packets are read by the gateway itself, so no per-message Nest handlers are bound. */
  bindMessageHandlers(_client: WsTransport, handlers: WsMessageHandler[]): void {
    if (handlers.length > 0) throw new Error('the gim WebSocket gateway takes no @SubscribeMessage handlers');
  }

  closeClient(client: WsTransport): void {
    client.destroy();
  }

  /** Stops accepting; the gateway runtime closes the connections (PC_CLOSE 10407 first). */
  close(): void {
    this.stopAccepting();
  }

  dispose(): void {
    this.stopAccepting();
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.http, host, port, (error) =>
      this.logger.error(`WebSocket listener: ${String(error)}`),
    );
  }

  stopAccepting(): void {
    this.closing ??= this.http.listening
      ? new Promise((resolve) => this.http.close(() => resolve()))
      : Promise.resolve();
  }

  async closed(timeoutMs: number): Promise<void> {
    this.stopAccepting();
    this.http.closeIdleConnections();
    await within(this.closing ?? Promise.resolve(), timeoutMs);
    for (const client of this.clients.values()) client.destroy();
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
    socket.once('close', this.onHandshakeClose);
  }

  private upgrade(request: IncomingMessage, duplex: Duplex, head: Buffer): void {
    const handshake = this.handshakes.get(duplex);
    if (handshake?.slot === undefined) {
      duplex.end(TOO_MANY_REQUESTS);
      return;
    }
    const url = new URL(request.url ?? '/', 'http://gateway');
    const endpoint = this.endpoint;
    if (endpoint?.onConnection === undefined || url.pathname !== this.path || this.closing !== undefined) {
      duplex.end(NOT_FOUND);
      return;
    }
    const key = request.headers['sec-websocket-key'];
    const version = request.headers['sec-websocket-version'];
    if (
      request.method !== 'GET' ||
      request.headers.upgrade?.toLowerCase() !== 'websocket' ||
      key === undefined ||
      !KEY_PATTERN.test(key)
    ) {
      duplex.end(BAD_REQUEST);
      return;
    }
    if (version !== '13' && version !== '8') {
      duplex.end(UNSUPPORTED_VERSION);
      return;
    }
    const { socket } = handshake;
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    // A client that offers subprotocols gets the first one back, as the ws library did.
    const protocol = request.headers['sec-websocket-protocol']?.split(',')[0]?.trim();
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${webSocketAccept(key)}\r\n` +
        (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
        '\r\n',
    );
    socket.off('close', this.onHandshakeClose);
    this.handshakes.delete(socket);
    this.core.sweeper.pending.delete(handshake);
    socket.setTimeout(0);
    socket.setNoDelay(true);
    const client = new WsTransport(socket, this.maxFrameBytes);
    this.clients.set(socket, client);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    endpoint.onConnection(client, request, handshake);
    if (head.length > 0) client.receive(head);
    if (socket.isPaused()) socket.resume();
  }
}
