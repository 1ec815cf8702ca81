import { Duplex } from 'node:stream';
import { ErrorCode } from '@gim/errors';
import { WebSocket } from 'ws';
import { ConnectionTransport } from '../core/connection';

const SEND_OPTIONS = { binary: true, compress: false } as const;
const MAX_CLOSE_REASON_BYTES = 123;

/** The WebSocket close code that goes with a gim close code. */
export function webSocketCloseCode(code: number): number {
  switch (code) {
    case ErrorCode.MalformedFrame:
      return 1002;
    case ErrorCode.FrameTooLarge:
      return 1009;
    case ErrorCode.ServerShutdown:
      return 1001;
    default:
      return 1008;
  }
}

function closeReason(reason: string): string {
  let text = reason;
  while (Buffer.byteLength(text) > MAX_CLOSE_REASON_BYTES) text = text.slice(0, -1);
  return text;
}

/**
 * A WebSocket as a connection transport. Each frame is one binary message; the messages of one flush go out
 * with the underlying socket corked, so they leave in one writev.
 */
export class WsTransport implements ConnectionTransport {
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  write(frames: readonly Buffer[]): void {
    this.socket.cork();
    for (const frame of frames) this.ws.send(frame, SEND_OPTIONS);
    this.socket.uncork();
  }

  get writableLength(): number {
    return this.ws.bufferedAmount;
  }

  end(code: number, reason: string): void {
    this.ws.close(webSocketCloseCode(code), closeReason(reason));
  }

  destroy(): void {
    this.ws.terminate();
  }

  pauseReading(): void {
    this.ws.pause();
  }

  resumeReading(): void {
    this.ws.resume();
  }
}
