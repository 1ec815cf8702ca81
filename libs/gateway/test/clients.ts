// Minimal gim clients over real sockets for the gateway's integration tests.
import { connect, Socket } from 'node:net';
import {
  CloseNotice,
  decodePacket,
  encodePacket,
  encodePacketFrame,
  FrameDecoder,
  Packet,
  PacketCommand,
  Reply,
  SignInRequest,
} from '@gim/protocol';
import { WebSocket } from 'ws';

const WAIT_MS = 5_000;

/** A bare TCP socket to 127.0.0.1:port, for clients that never finish a handshake. */
export function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Milliseconds until the server closes `socket` (it ends or resets it), or rejects after `timeoutMs`. */
export function closedBy(socket: Socket, timeoutMs = WAIT_MS): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket still open')), timeoutMs);
    socket.resume();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

/** Receives packets and lets a test wait for the next one that matches. */
export abstract class PacketClient {
  /** Packets received and not yet taken by a wait. */
  readonly inbox: Packet[] = [];
  /** Resolves when the connection is gone. */
  readonly closed: Promise<void>;
  protected markClosed: () => void = () => undefined;
  private isClosed = false;
  private waiters: Array<() => void> = [];
  private nextRequest = 0;

  constructor() {
    this.closed = new Promise((resolve) => {
      this.markClosed = () => {
        this.isClosed = true;
        resolve();
        this.wake();
      };
    });
  }

  /** Sends one packet. */
  abstract send(packet: Packet): void;
  /** Sends bytes as they are (a raw frame on TCP, one binary message on WS). */
  abstract sendRaw(bytes: Buffer): void;
  /** Closes the client side. */
  abstract close(): void;
  /** Stops reading from the socket, like a client that hangs. */
  abstract stopReading(): void;

  /** True once the connection is gone. */
  get isGone(): boolean {
    return this.isClosed;
  }

  /** Takes the first received packet matching `match`, waiting for it if needed. */
  async take(match: (packet: Packet) => boolean, timeoutMs = WAIT_MS): Promise<Packet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex(match);
      const [found] = index >= 0 ? this.inbox.splice(index, 1) : [];
      if (found !== undefined) return found;
      if (this.isClosed) throw new Error('connection closed before the expected packet arrived');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('expected packet did not arrive in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the PC_CLOSE notice. */
  async closeNotice(): Promise<CloseNotice> {
    const packet = await this.take((p) => p.command === PacketCommand.PC_CLOSE);
    return CloseNotice.decode(packet.content);
  }

  /** Sends a request and waits for its Reply. */
  async request(
    command: number,
    content: Uint8Array = new Uint8Array(),
    requestId = `req-${++this.nextRequest}`,
  ): Promise<Reply> {
    this.send({ requestId, command, content: Buffer.from(content), seq: 0 });
    const packet = await this.take((p) => p.requestId === requestId && p.command === command);
    return Reply.decode(packet.content);
  }

  /** Signs in with PC_SIGN_IN. */
  signIn(userId: number, deviceId: number, token = `token-${userId}`): Promise<Reply> {
    return this.request(PacketCommand.PC_SIGN_IN, SignInRequest.encode({ userId, deviceId, token }).finish());
  }

  protected received(packet: Packet): void {
    this.inbox.push(packet);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A client over TCP frames. */
export class TcpTestClient extends PacketClient {
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 1 << 24 });

  private constructor(readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      for (const body of this.decoder.push(chunk)) this.received(decodePacket(body, 1 << 24));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.markClosed());
  }

  /** Connects to 127.0.0.1:port. */
  static connect(port: number): Promise<TcpTestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        resolve(new TcpTestClient(socket));
      });
      socket.once('error', reject);
    });
  }

  send(packet: Packet): void {
    this.socket.write(encodePacketFrame(packet));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  stopReading(): void {
    this.socket.pause();
  }
}

/** A client over WebSocket binary messages. */
export class WsTestClient extends PacketClient {
  /** The WebSocket close code and reason, once closed. */
  closeFrame: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.received(decodePacket(data, 1 << 24));
    });
    ws.on('error', () => undefined);
    ws.on('close', (code: number, reason: Buffer) => {
      this.closeFrame = { code, reason: reason.toString() };
      this.markClosed();
    });
  }

  /** Connects to ws://127.0.0.1:port/ws plus an optional query string. */
  static connect(port: number, query = ''): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`, {
        perMessageDeflate: false,
        maxPayload: 1 << 24,
      });
      const client = new WsTestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(packet: Packet): void {
    this.ws.send(encodePacket(packet));
  }

  sendRaw(bytes: Buffer): void {
    this.ws.send(bytes, { binary: true });
  }

  /** Sends a text message, which the protocol does not allow. */
  sendText(text: string): void {
    this.ws.send(text);
  }

  close(): void {
    this.ws.terminate();
  }

  stopReading(): void {
    this.ws.pause();
  }
}
