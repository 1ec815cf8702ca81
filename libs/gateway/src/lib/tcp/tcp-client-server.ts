import { createServer, Server, Socket } from 'node:net';
import { ErrorCode } from '@gim/errors';
import { decodePacket, FieldRangeError, ProtocolError } from '@gim/protocol';
import { ClientServer, listenOn, within } from '../client-server';
import { GatewayCore } from '../core/gateway-core';
import { GatewayLogger } from '../core/logger';
import { TcpTransport } from './tcp-transport';

const TOO_MANY_CONNECTIONS = 'too many connections from this address are not signed in';

/** Accepts TCP clients: cuts the byte stream into frames, decodes packets and hands them to the core. */
export class TcpClientServer implements ClientServer {
  private readonly server: Server;
  private readonly sockets = new Map<Socket, TcpTransport>();
  private closing: Promise<void> | undefined;
  // One set of listeners shared by every socket (`this` is the socket), instead of closures per connection.
  private readonly onData: (this: Socket, chunk: Buffer) => void;
  private readonly onError: (this: Socket, error: Error) => void;
  private readonly onClose: (this: Socket) => void;

  constructor(
    private readonly core: GatewayCore,
    private readonly maxFrameBytes: number,
    private readonly logger: GatewayLogger,
  ) {
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    const sockets = this.sockets;
    const receive = (transport: TcpTransport, chunk: Buffer): void => this.receive(transport, chunk);
    this.onData = function (chunk) {
      const transport = sockets.get(this);
      if (transport !== undefined) receive(transport, chunk);
    };
    this.onError = function (error) {
      logger.debug(`connection ${sockets.get(this)?.connection?.id ?? '?'}: ${error.message}`);
    };
    this.onClose = function () {
      const transport = sockets.get(this);
      sockets.delete(this);
      if (transport?.connection !== undefined) core.closed(transport.connection);
    };
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, host, port, (error) => this.logger.error(`TCP listener: ${String(error)}`));
  }

  stopAccepting(): void {
    this.closing ??= new Promise((resolve) => this.server.close(() => resolve()));
  }

  async closed(timeoutMs: number): Promise<void> {
    this.stopAccepting();
    await within(this.closing ?? Promise.resolve(), timeoutMs);
    for (const socket of this.sockets.keys()) socket.destroy();
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const transport = new TcpTransport(socket, this.maxFrameBytes);
    this.sockets.set(socket, transport);
    const host = socket.remoteAddress ?? '?';
    const slot = this.core.slots.take(host);
    const connection = this.core.open(transport, `${host}:${socket.remotePort ?? 0}`, slot);
    transport.connection = connection;
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    if (slot === undefined) this.core.close(connection, ErrorCode.TooManyConnections, TOO_MANY_CONNECTIONS);
  }

  private receive(transport: TcpTransport, chunk: Buffer): void {
    const connection = transport.connection;
    if (connection === undefined || !connection.isOpen) return;
    try {
      for (const body of transport.decoder.push(chunk)) {
        try {
          this.core.receive(connection, decodePacket(body, this.maxFrameBytes));
        } catch (error) {
          // Answered with 10001 without closing, so the frames after it in this chunk still count.
          if (!(error instanceof FieldRangeError)) throw error;
          this.core.protocolError(connection, error);
        }
        if (!connection.isOpen) return;
      }
    } catch (error) {
      if (error instanceof ProtocolError) this.core.protocolError(connection, error);
      else this.core.failed(connection, error);
    }
  }
}
