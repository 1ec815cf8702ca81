import { createServer, IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { WebSocketAdapter, WsMessageHandler } from '@nestjs/common';
import type { GatewayMetadata } from '@nestjs/websockets';
import { WebSocket, WebSocketServer } from 'ws';
import { ClientServer, listenOn, within } from '../client-server';
import { AddressSlot, PendingSocket } from '../core/admission';
import { GatewayCore } from '../core/gateway-core';
import { GatewayLogger } from '../core/logger';

/** The HTTP path WebSocket clients connect to. */
export const WS_PATH = '/ws';

/** Slack above the frame limit up to which the gateway reads a message itself to refuse it with a reason. */
const OVERSIZE_SLACK_BYTES = 4_096;

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
const TOO_MANY_REQUESTS = 'HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';

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
 * (`@WebSocketGateway({ path })`) and hands each client to the gateway's `handleConnection(ws, request,
 * accepted)`. It answers plain HTTP with 426, other paths with 404 and a socket over the per-address limit
 * with 429; sockets still in their handshake are expired by the core's sweep at the sign-in timeout.
 * Nest's port is not used: the gateway runtime makes it listen on GIM_GATEWAY_LISTEN once it is ready.
 */
export class WsClientServer
  implements ClientServer, WebSocketAdapter<WebSocketServer, WebSocket, GatewayMetadata>
{
  private readonly http: Server;
  private readonly handshakes = new WeakMap<Duplex, Handshake>();
  private wss: WebSocketServer | undefined;
  private path = WS_PATH;
  private closing: Promise<void> | undefined;

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
  }

  create(_port: number, options: GatewayMetadata = {}): WebSocketServer {
    if (this.wss !== undefined) throw new Error('the gim WebSocket adapter serves one gateway');
    this.path = options.path ?? WS_PATH;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: true,
      perMessageDeflate: false,
      maxPayload: this.maxFrameBytes + OVERSIZE_SLACK_BYTES,
    });
    return this.wss;
  }

  bindClientConnect(server: WebSocketServer, callback: (...args: unknown[]) => void): void {
    server.on('connection', callback);
  }

  bindClientDisconnect(client: WebSocket, callback: () => void): void {
    client.once('close', callback);
  }

  /** Packets are read by the gateway's own 'message' listener, so no per-message Nest handlers are bound. */
  bindMessageHandlers(_client: WebSocket, handlers: WsMessageHandler[]): void {
    if (handlers.length > 0) throw new Error('the gim WebSocket gateway takes no @SubscribeMessage handlers');
  }

  closeClient(client: WebSocket): void {
    client.terminate();
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
    for (const ws of this.wss?.clients ?? []) ws.terminate();
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
    const wss = this.wss;
    if (wss === undefined || url.pathname !== this.path || this.closing !== undefined) {
      socket.end(NOT_FOUND);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      this.core.sweeper.pending.delete(handshake);
      wss.emit('connection', ws, request, handshake);
    });
  }
}
