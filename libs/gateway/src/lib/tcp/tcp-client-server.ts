import { createServer, Server, Socket } from 'node:net';
import { ErrorCode } from '@gim/errors';
import { decodePacket, FieldRangeError, FrameDecoder, ProtocolError } from '@gim/protocol';
import { ClientServer, listenOn, within } from '../client-server';
import { Connection } from '../core/connection';
import { GatewayCore } from '../core/gateway-core';
import { GatewayLogger } from '../core/logger';
import { TcpTransport } from './tcp-transport';

const TOO_MANY_CONNECTIONS = 'too many connections from this address are not signed in';

/** Accepts TCP clients: cuts the byte stream into frames, decodes packets and hands them to the core. */
export class TcpClientServer implements ClientServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly core: GatewayCore,
    private readonly maxFrameBytes: number,
    private readonly logger: GatewayLogger,
  ) {
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
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
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const decoder = new FrameDecoder({ maxFrameBytes: this.maxFrameBytes });
    const host = socket.remoteAddress ?? '?';
    const slot = this.core.slots.take(host);
    const connection = this.core.open(new TcpTransport(socket), `${host}:${socket.remotePort ?? 0}`, slot);
    socket.on('data', (chunk: Buffer) => this.receive(connection, decoder, chunk));
    socket.on('error', (error) => this.logger.debug(`connection ${connection.id}: ${error.message}`));
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.core.closed(connection);
    });
    if (slot === undefined) this.core.close(connection, ErrorCode.TooManyConnections, TOO_MANY_CONNECTIONS);
  }

  private receive(connection: Connection, decoder: FrameDecoder, chunk: Buffer): void {
    if (!connection.isOpen) return;
    try {
      for (const body of decoder.push(chunk)) {
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
