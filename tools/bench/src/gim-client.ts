// A lean gim client connection for load generation: no per-push storage, only counters and a hook, so that
// thousands of them in one process cost little more than their sockets.
import { connect, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  decodePacket,
  encodePacket,
  encodePacketFrame,
  FrameDecoder,
  Packet,
  PacketCommand,
  Reply,
  SignInRequest,
} from '@gim/protocol';

/** Opens a socket to the ws-gateway on 127.0.0.1 and completes the WebSocket upgrade; `rest` is what followed it. */
async function upgrade(port: number): Promise<{ socket: Socket; rest: Buffer }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData).off('error', reject);
      const status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!status.startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(`WebSocket upgrade refused: ${status}`));
        return;
      }
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on('data', onData).once('error', reject);
  });
}

/** A client → server binary frame: FIN, opcode 2, the payload masked with a random key (RFC 6455 §5.3). */
function maskedFrame(payload: Buffer): Buffer {
  const size = payload.length < 126 ? 2 : payload.length < 65_536 ? 4 : 10;
  const frame = Buffer.alloc(size + 4 + payload.length);
  frame[0] = 0x82;
  if (size === 2) frame[1] = 0x80 | payload.length;
  else if (size === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(payload.length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, size);
  for (let i = 0; i < payload.length; i++)
    frame[size + 4 + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return frame;
}

/** Cuts the server's unmasked frames out of the byte stream: binary payloads to `onBinary`, a close to `onClose`. */
class WsFrames {
  private pending: Buffer | undefined;

  constructor(
    private readonly onBinary: (payload: Buffer) => void,
    private readonly onClose: () => void,
  ) {}

  push(chunk: Buffer): void {
    const bytes = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let at = 0;
    while (bytes.length - at >= 2) {
      const opcode = (bytes[at] as number) & 0x0f;
      let length = (bytes[at + 1] as number) & 0x7f;
      let start = at + 2;
      if (length === 126) {
        if (bytes.length - at < 4) break;
        length = bytes.readUInt16BE(at + 2);
        start = at + 4;
      } else if (length === 127) {
        if (bytes.length - at < 10) break;
        length = Number(bytes.readBigUInt64BE(at + 2));
        start = at + 10;
      }
      if (bytes.length < start + length) break;
      const payload = bytes.subarray(start, start + length);
      at = start + length;
      if (opcode === 2) this.onBinary(payload);
      else if (opcode === 8) this.onClose();
      else if (opcode !== 9 && opcode !== 10) throw new RangeError(`unexpected WebSocket opcode ${opcode}`);
    }
    if (at < bytes.length) this.pending = Buffer.from(bytes.subarray(at));
  }
}

/** What business SignIn gave a device: enough to open its long connection. */
export interface Session {
  userId: number;
  deviceId: number;
  token: string;
}

export type Transport = 'tcp' | 'ws';

interface Pending {
  resolve(reply: Reply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Frames from the server that did not decode as a Packet, across all clients (the connection is then closed). */
export const malformed = { count: 0, first: '' };

function noteMalformed(bytes: Uint8Array, error: unknown): void {
  malformed.count++;
  if (!malformed.first) malformed.first = `${Buffer.from(bytes).toString('hex')} (${String(error)})`;
}

/** One device's long connection over TCP or WebSocket. */
export class GimClient {
  /** PC_MESSAGE packets received. */
  pushes = 0;
  /** Called with every PC_MESSAGE packet's content (a `Message`), when set. */
  onPush: ((content: Uint8Array) => void) | undefined;
  /** Called once when the connection closes. */
  onClose: (() => void) | undefined;
  closed = false;
  private readonly pending = new Map<string, Pending>();
  private nextRequest = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly transport: Transport,
  ) {}

  /** Opens a connection to a gateway on 127.0.0.1. */
  static async open(transport: Transport, port: number): Promise<GimClient> {
    if (transport === 'tcp') {
      const socket = connect({ host: '127.0.0.1', port });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.setNoDelay(true);
      const client = new GimClient(socket, 'tcp');
      const decoder = new FrameDecoder();
      socket.on('data', (chunk: Buffer) => {
        try {
          for (const frame of decoder.push(chunk)) client.onPacket(decodePacket(frame));
        } catch (error) {
          noteMalformed(chunk, error);
          socket.destroy();
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => client.onClosed());
      return client;
    }
    // WebSocket over a raw socket (see WsFrames): the `ws` library's per-message work would make the load
    // generator, not the server, set the pace at hundreds of thousands of pushes a second.
    const { socket, rest } = await upgrade(port);
    const client = new GimClient(socket, 'ws');
    const frames = new WsFrames(
      (payload) => {
        let packet: Packet;
        try {
          packet = decodePacket(payload);
        } catch (error) {
          noteMalformed(payload, error);
          socket.destroy();
          return;
        }
        client.onPacket(packet);
      },
      () => socket.end(),
    );
    socket.on('data', (chunk: Buffer) => {
      try {
        frames.push(chunk);
      } catch (error) {
        noteMalformed(chunk, error);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => client.onClosed());
    if (rest.length > 0) frames.push(rest);
    return client;
  }

  /** Sends a packet and resolves with the reply carrying its request_id. */
  request(command: PacketCommand, content: Uint8Array, timeoutMs = 30_000): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const requestId = String(++this.nextRequest);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`no reply to ${PacketCommand[command]} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      this.write({ requestId, command, content: Buffer.from(content), seq: 0 });
    });
  }

  /** PC_SIGN_IN; throws unless the reply's code is 0. */
  async signIn(session: Session): Promise<void> {
    const reply = await this.request(PacketCommand.PC_SIGN_IN, SignInRequest.encode(session).finish());
    if (reply.code !== 0) throw new Error(`sign-in refused: ${reply.code} ${reply.message}`);
  }

  close(): void {
    this.socket.destroy();
  }

  private write(packet: Packet): void {
    this.socket.write(
      this.transport === 'tcp' ? encodePacketFrame(packet) : maskedFrame(encodePacket(packet)),
    );
  }

  private onPacket(packet: Packet): void {
    if (packet.command === PacketCommand.PC_MESSAGE) {
      this.pushes++;
      this.onPush?.(packet.content);
      return;
    }
    const pending = this.pending.get(packet.requestId);
    if (!pending) return;
    this.pending.delete(packet.requestId);
    clearTimeout(pending.timer);
    pending.resolve(Reply.decode(packet.content));
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('connection closed'));
    }
    this.pending.clear();
    this.onClose?.();
  }
}

/** The fields of a pushed Message the scenarios check; absent fields are 0. */
export interface MessageHead {
  command: number;
  seq: number;
  roomId: number;
  messageId: number;
}

/** An empty MessageHead to read into (one per handler, reused for every push). */
export function messageHead(): MessageHead {
  return { command: 0, seq: 0, roomId: 0, messageId: 0 };
}

let cursor = 0;

function readVarint(bytes: Uint8Array): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (cursor >= bytes.length) throw new RangeError('truncated varint in a pushed Message');
    const byte = bytes[cursor++] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 128;
  }
}

/**
 * Reads command, seq, room_id and message_id of an encoded Message into `head`, skipping the content without
 * copying or decoding it: a fraction of a full decode's cost, which matters at hundreds of thousands of pushes a
 * second on the load generator's one core.
 */
export function readMessageHead(bytes: Uint8Array, head: MessageHead): MessageHead {
  head.command = 0;
  head.seq = 0;
  head.roomId = 0;
  head.messageId = 0;
  cursor = 0;
  while (cursor < bytes.length) {
    const tag = readVarint(bytes);
    const wireType = tag & 7;
    if (wireType === 0) {
      const value = readVarint(bytes);
      const field = Math.floor(tag / 8);
      if (field === 2) head.command = value;
      else if (field === 4) head.seq = value;
      else if (field === 6) head.roomId = value;
      else if (field === 7) head.messageId = value;
    } else if (wireType === 2) {
      const length = readVarint(bytes);
      cursor += length;
    } else if (wireType === 1) cursor += 8;
    else if (wireType === 5) cursor += 4;
    else throw new RangeError(`wire type ${wireType} in a pushed Message`);
  }
  if (cursor > bytes.length) throw new RangeError('truncated field in a pushed Message');
  return head;
}
