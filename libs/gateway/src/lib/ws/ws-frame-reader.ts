import { WsOpcode } from './ws-frame';

/** A client broke RFC 6455; `closeCode` is the WebSocket close code that says why (1002, 1007 or 1009). */
export class WsProtocolError extends Error {
  constructor(
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'WsProtocolError';
  }
}

/** What a WsFrameReader reports; `this`-style callbacks so that one object per connection serves them all. */
export interface WsFrameHandler {
  /** A complete message (fragments joined); its bytes are the reader's own copy, never a view of a read chunk. */
  wsMessage(data: Buffer, isBinary: boolean): void;
  /** A ping; the payload is to be echoed in a pong. */
  wsPing(data: Buffer): void;
  /** A close frame: its status code (1005 when it carried none) and reason. */
  wsClose(code: number, reason: string): void;
}

const EMPTY = Buffer.alloc(0);
const MAX_HEADER_BYTES = 14;
const MAX_CONTROL_PAYLOAD = 125;
/** Above 2^53 a 64-bit length is no longer exact as a number; far beyond any limit anyway. */
const MAX_SAFE_HIGH = 0x1f_ffff;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether a close frame may carry `code` (RFC 6455 §7.4). */
function validCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

function protocolError(message: string): WsProtocolError {
  return new WsProtocolError(1002, message);
}

/**
 * The server side of RFC 6455 framing for one connection: reads masked client frames from socket chunks in
 * any split, joins fragmented messages (with control frames in between), and checks every rule a server
 * must: reserved bits clear, masking, known opcodes, control frames final and at most 125 bytes, continuation
 * only inside a message, close codes and UTF-8 reasons, and a message size limit (1009), checked from the
 * header before any payload is buffered. Payloads are unmasked into buffers of their own. After a close frame
 * the rest of the stream is ignored; after an error every later push rethrows it.
 */
export class WsFrameReader {
  private header: Buffer | undefined = undefined;
  private headerBytes = 0;
  private opcode = 0;
  private fin = false;
  private mask = 0;
  private payload: Buffer | undefined = undefined;
  private filled = 0;
  private fragments: Buffer[] | undefined = undefined;
  private fragmentBytes = 0;
  private messageOpcode = 0;
  private done = false;
  private failure: WsProtocolError | undefined = undefined;

  constructor(
    /** Largest message in bytes (all its fragments together). */
    private readonly maxPayload: number,
    private readonly handler: WsFrameHandler,
  ) {}

  /** Feeds the next chunk read from the socket; throws WsProtocolError when the client broke the protocol. */
  push(chunk: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      let offset = 0;
      while (offset < chunk.length && !this.done) {
        offset =
          this.payload === undefined ? this.readHeader(chunk, offset) : this.readPayload(chunk, offset);
      }
    } catch (error) {
      if (error instanceof WsProtocolError) this.failure = error;
      throw error;
    }
  }

  private readHeader(chunk: Buffer, offset: number): number {
    if (this.headerBytes === 0) {
      const available = chunk.length - offset;
      if (available >= 2 && available >= headerSize(chunk[offset + 1] ?? 0))
        return this.startFrame(chunk, offset);
    }
    // A header split across reads: gathered in a small buffer, dropped again once complete.
    const header = (this.header ??= Buffer.alloc(MAX_HEADER_BYTES));
    let at = offset;
    while (at < chunk.length) {
      const wanted = this.headerBytes < 2 ? 2 : headerSize(header[1] ?? 0);
      if (this.headerBytes === wanted) break;
      const taken = Math.min(wanted - this.headerBytes, chunk.length - at);
      chunk.copy(header, this.headerBytes, at, at + taken);
      this.headerBytes += taken;
      at += taken;
    }
    if (this.headerBytes < 2 || this.headerBytes < headerSize(header[1] ?? 0)) return at;
    this.headerBytes = 0;
    this.header = undefined;
    this.startFrame(header, 0);
    return at;
  }

  /** Parses a complete header at `at` and returns the offset just after it. */
  private startFrame(bytes: Buffer, at: number): number {
    const b0 = bytes[at] ?? 0;
    const b1 = bytes[at + 1] ?? 0;
    if ((b0 & 0x70) !== 0) throw protocolError('reserved bits are set (no extension was negotiated)');
    if ((b1 & 0x80) === 0) throw protocolError('client frames must be masked');
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      const high = bytes.readUInt32BE(offset);
      if (high > MAX_SAFE_HIGH) throw new WsProtocolError(1009, 'frame length out of range');
      length = high * 0x1_0000_0000 + bytes.readUInt32BE(offset + 4);
      offset += 8;
    }
    this.checkFrame(opcode, fin, length);
    this.mask = bytes.readUInt32BE(offset);
    offset += 4;
    this.opcode = opcode;
    this.fin = fin;
    if (length === 0) {
      this.frameDone(EMPTY);
    } else {
      this.payload = Buffer.allocUnsafe(length);
      this.filled = 0;
    }
    return offset;
  }

  private checkFrame(opcode: number, fin: boolean, length: number): void {
    if ((opcode & 0x08) !== 0) {
      if (opcode !== WsOpcode.Close && opcode !== WsOpcode.Ping && opcode !== WsOpcode.Pong) {
        throw protocolError(`unknown opcode ${opcode}`);
      }
      if (!fin) throw protocolError('control frames must not be fragmented');
      if (length > MAX_CONTROL_PAYLOAD) throw protocolError('control frame payload over 125 bytes');
      return;
    }
    if (opcode === WsOpcode.Continuation) {
      if (this.fragments === undefined)
        throw protocolError('continuation frame without a message to continue');
    } else if (opcode === WsOpcode.Text || opcode === WsOpcode.Binary) {
      if (this.fragments !== undefined)
        throw protocolError('new message before the previous one was finished');
    } else {
      throw protocolError(`unknown opcode ${opcode}`);
    }
    if (this.fragmentBytes + length > this.maxPayload) {
      throw new WsProtocolError(1009, `message over ${this.maxPayload} bytes`);
    }
  }

  private readPayload(chunk: Buffer, offset: number): number {
    const payload = this.payload ?? EMPTY;
    const taken = Math.min(payload.length - this.filled, chunk.length - offset);
    const mask = this.mask;
    let at = this.filled;
    for (let i = offset, end = offset + taken; i < end; i++, at++) {
      payload[at] = (chunk[i] ?? 0) ^ ((mask >>> ((3 - (at & 3)) << 3)) & 0xff);
    }
    this.filled = at;
    if (at === payload.length) {
      this.payload = undefined;
      this.frameDone(payload);
    }
    return offset + taken;
  }

  private frameDone(payload: Buffer): void {
    switch (this.opcode) {
      case WsOpcode.Close:
        this.done = true;
        this.closeFrame(payload);
        return;
      case WsOpcode.Ping:
        this.handler.wsPing(payload);
        return;
      case WsOpcode.Pong:
        return;
      default:
        this.dataFrame(payload);
    }
  }

  private dataFrame(payload: Buffer): void {
    if (this.fin && this.fragments === undefined) {
      this.handler.wsMessage(payload, this.opcode === WsOpcode.Binary);
      return;
    }
    if (this.fragments === undefined) {
      this.fragments = [];
      this.messageOpcode = this.opcode;
    }
    this.fragments.push(payload);
    this.fragmentBytes += payload.length;
    if (!this.fin) return;
    const message = Buffer.concat(this.fragments, this.fragmentBytes);
    const isBinary = this.messageOpcode === WsOpcode.Binary;
    this.fragments = undefined;
    this.fragmentBytes = 0;
    this.handler.wsMessage(message, isBinary);
  }

  private closeFrame(payload: Buffer): void {
    if (payload.length === 0) {
      this.handler.wsClose(1005, '');
      return;
    }
    if (payload.length === 1) throw protocolError('close frame with a one-byte payload');
    const code = payload.readUInt16BE(0);
    if (!validCloseCode(code)) throw protocolError(`invalid close code ${code}`);
    let reason: string;
    try {
      reason = utf8.decode(payload.subarray(2));
    } catch {
      throw new WsProtocolError(1007, 'close reason is not valid UTF-8');
    }
    this.handler.wsClose(code, reason);
  }
}

/** Bytes of a frame header given its second byte (mask bit and 7-bit length). */
function headerSize(b1: number): number {
  const length = b1 & 0x7f;
  const extended = length === 126 ? 2 : length === 127 ? 8 : 0;
  return 2 + extended + ((b1 & 0x80) !== 0 ? 4 : 0);
}
