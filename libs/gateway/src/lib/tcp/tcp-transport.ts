import { Socket } from 'node:net';
import { FrameDecoder } from '@gim/protocol';
import { writeFrames } from '../client-server';
import { Connection, ConnectionTransport } from '../core/connection';

/**
 * A TCP socket as a connection transport, with the connection's frame decoder: the frames of one flush go
 * out in one write (one syscall).
 */
export class TcpTransport implements ConnectionTransport {
  /** The core's connection, set right after the core registered the socket. */
  connection: Connection | undefined = undefined;
  /** Cuts the socket's byte stream into frame bodies. */
  readonly decoder: FrameDecoder;

  constructor(
    /** The client socket. */
    readonly socket: Socket,
    maxFrameBytes: number,
  ) {
    this.decoder = new FrameDecoder({ maxFrameBytes });
  }

  write(frames: readonly Buffer[]): void {
    writeFrames(this.socket, frames);
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }
}
