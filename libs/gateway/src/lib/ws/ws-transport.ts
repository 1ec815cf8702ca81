import type { Socket } from 'node:net';
import { ErrorCode } from '@gim/errors';
import { WebSocket } from 'ws';
import { writeFrames } from '../client-server';
import { ConnectionTransport } from '../core/connection';

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
 * A WebSocket as a connection transport. The core's frames are complete binary WebSocket frames (built once
 * per push, see WS_FRAMING), written straight to the upgraded socket, the frames of one flush in one write.
 * `ws` itself only writes control frames (close, pong); with per-message deflate off its sender writes each
 * frame synchronously, so its frames never land inside one of these.
 */
export class WsTransport implements ConnectionTransport {
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
  ) {}

  write(frames: readonly Buffer[]): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    writeFrames(this.socket, frames);
  }

  get writableLength(): number {
    return this.socket.writableLength;
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
