import { Socket } from 'node:net';
import { ConnectionTransport } from '../core/connection';

/** A TCP socket as a connection transport: several frames go out corked, in one writev. */
export class TcpTransport implements ConnectionTransport {
  constructor(private readonly socket: Socket) {}

  write(frames: readonly Buffer[]): void {
    const [first] = frames;
    if (frames.length === 1 && first !== undefined) {
      this.socket.write(first);
      return;
    }
    this.socket.cork();
    for (const frame of frames) this.socket.write(frame);
    this.socket.uncork();
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
