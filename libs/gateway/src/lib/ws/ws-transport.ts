import type { Socket } from 'node:net';
import { ErrorCode } from '@gim/errors';
import { writeFrames } from '../client-server';
import { Connection, ConnectionTransport } from '../core/connection';
import { closePayload, encodeWsFrame, WsOpcode } from './ws-frame';
import { WsFrameHandler, WsFrameReader, WsProtocolError } from './ws-frame-reader';

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

/** Where a WsTransport delivers what its client sent (one object for every connection of a gateway). */
export interface WsClientHandler {
  /** A complete message. */
  message(client: WsTransport, data: Buffer, isBinary: boolean): void;
  /** The client broke RFC 6455 (the transport has not answered it yet). */
  protocolError(client: WsTransport, error: WsProtocolError): void;
}

const OPEN = 0;
const CLOSE_SENT = 1;
const CLOSE_RECEIVED = 2;
const CLOSED = 3;

/**
 * One upgraded WebSocket client: gim's own RFC 6455 server side over the raw socket (no per-connection
 * objects of a WebSocket library). Reads frames with a WsFrameReader, answers pings, runs the close
 * handshake (the server ends the TCP connection once both close frames are exchanged), and as the core's
 * transport writes the core's ready-made binary frames (built once per push, see WS_FRAMING), the frames of
 * one flush in one write.
 */
export class WsTransport implements ConnectionTransport, WsFrameHandler {
  /** The core's connection, set by the gateway when it takes the client. */
  connection: Connection | undefined = undefined;
  /** Receives the client's messages; set by the gateway when it takes the client. */
  handler: WsClientHandler | undefined = undefined;
  /** Called once when the socket is gone (the adapter's disconnect hook). */
  onGone: (() => void) | undefined = undefined;
  private state = OPEN;
  private readonly reader: WsFrameReader;

  constructor(
    /** The upgraded TCP socket. */
    readonly socket: Socket,
    maxPayload: number,
  ) {
    this.reader = new WsFrameReader(maxPayload, this);
  }

  /** True until a close frame was sent or received. */
  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** Feeds bytes read from the socket. */
  receive(chunk: Buffer): void {
    if (this.state === CLOSED) return;
    try {
      this.reader.push(chunk);
    } catch (error) {
      if (!(error instanceof WsProtocolError)) throw error;
      if (this.state === OPEN && this.handler !== undefined) this.handler.protocolError(this, error);
      else this.destroy();
    }
  }

  /** The socket ended or closed: nothing more is sent, and the disconnect hook runs (once). */
  gone(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    const onGone = this.onGone;
    this.onGone = undefined;
    onGone?.();
  }

  write(frames: readonly Buffer[]): void {
    if (this.state === OPEN) writeFrames(this.socket, frames);
  }

  get writableLength(): number {
    return this.socket.writableLength;
  }

  end(code: number, reason: string): void {
    this.closeWith(webSocketCloseCode(code), reason);
  }

  /** Sends a close frame with a WebSocket close code; the socket ends when the client answers it. */
  closeWith(code: number, reason: string): void {
    if (this.state !== OPEN) return;
    this.state = CLOSE_SENT;
    this.socket.write(encodeWsFrame(closePayload(code, reason), WsOpcode.Close));
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

  /** A complete message from the client (ignored once a close frame went either way). */
  wsMessage(data: Buffer, isBinary: boolean): void {
    if (this.state === OPEN) this.handler?.message(this, data, isBinary);
  }

  /** Answers a ping with a pong carrying the same payload. */
  wsPing(data: Buffer): void {
    if (this.state === OPEN) this.socket.write(encodeWsFrame(data, WsOpcode.Pong));
  }

  /** The client's close frame: echoed when the client started the close, then the server ends the TCP side. */
  wsClose(code: number): void {
    if (this.state === OPEN) {
      const payload = code === 1005 ? Buffer.alloc(0) : closePayload(code, '');
      this.socket.write(encodeWsFrame(payload, WsOpcode.Close));
    }
    if (this.state === OPEN || this.state === CLOSE_SENT) this.state = CLOSE_RECEIVED;
    this.socket.end();
  }
}
