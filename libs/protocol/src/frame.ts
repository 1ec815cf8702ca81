import { FrameTooLargeError, ProtocolError, TruncatedFrameError } from './errors';
import {
  encodeVarint,
  MAX_VARINT_BYTES,
  MAX_VARINT_VALUE,
  readVarint,
  varintLength,
  writeVarint,
} from './varint';

/** Default largest frame body, and largest WebSocket message, in bytes: 64 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 65_536;

/** Options of a FrameDecoder. */
export interface FrameDecoderOptions {
  /** Largest accepted frame body in bytes (0 to 2^32-1); defaults to DEFAULT_MAX_FRAME_BYTES. */
  maxFrameBytes?: number;
}

/** The varint length prefix of a frame whose body is `length` bytes, for writing prefix and body separately. */
export function framePrefix(length: number): Buffer {
  return encodeVarint(length);
}

/** Encodes `body` as one TCP frame: its varint length prefix followed by the body, in a single buffer. */
export function encodeFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(varintLength(body.length) + body.length);
  frame.set(body, writeVarint(body.length, frame, 0));
  return frame;
}

/**
 * Incremental decoder that cuts a TCP byte stream into frame bodies, whatever the read boundaries.
 * Holds at most one incomplete frame (a split length prefix, or one body of at most maxFrameBytes).
 * Once push or end has thrown, the decoder is unusable: every later call rethrows the same error.
 */
export class FrameDecoder {
  /** Largest accepted frame body in bytes. */
  readonly maxFrameBytes: number;

  // Allocated only when a length prefix is split across chunks, so an idle decoder holds no buffer.
  private prefix: Buffer | undefined;
  private prefixBytes = 0;
  private body: Buffer | undefined;
  private bodyFilled = 0;
  private bodyPrefixBytes = 0;
  private failure: ProtocolError | undefined;

  /** Creates a decoder; throws RangeError when maxFrameBytes is not an integer from 0 to 2^32-1. */
  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 0 || max > MAX_VARINT_VALUE) {
      throw new RangeError(`maxFrameBytes must be an integer from 0 to ${MAX_VARINT_VALUE}, got ${max}`);
    }
    this.maxFrameBytes = max;
  }

  /** Bytes received for the frame not yet complete, its length prefix included; 0 between frames. */
  get bufferedBytes(): number {
    return this.body === undefined ? this.prefixBytes : this.bodyPrefixBytes + this.bodyFilled;
  }

  /**
   * Feeds the next chunk of the stream and returns the bodies of the frames it completes, in order.
   * Bodies lying wholly inside `chunk` are views of it, not copies. Throws FrameTooLargeError as soon as
   * a length prefix announces more than maxFrameBytes and MalformedVarintError for an invalid prefix;
   * bodies completed earlier in the same chunk are then not returned.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failure !== undefined) throw this.failure;
    const frames: Buffer[] = [];
    try {
      let offset = 0;
      if (this.body !== undefined) offset = this.fillBody(this.body, chunk, frames);
      else if (this.prefixBytes > 0) offset = this.completePrefix(chunk, frames);
      while (offset < chunk.length) {
        const header = readVarint(chunk, offset);
        if (header === undefined) {
          this.prefix ??= Buffer.alloc(MAX_VARINT_BYTES);
          this.prefixBytes = chunk.copy(this.prefix, 0, offset);
          break;
        }
        offset = this.startFrame(header.value, header.bytes, chunk, offset + header.bytes, frames);
      }
    } catch (error) {
      if (error instanceof ProtocolError) this.failure = error;
      throw error;
    }
    return frames;
  }

  /** Declares the end of the stream; throws TruncatedFrameError when it stopped inside a frame. */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.body !== undefined) {
      this.failure = new TruncatedFrameError('body', this.bodyFilled, this.body.length - this.bodyFilled);
    } else if (this.prefixBytes > 0) {
      this.failure = new TruncatedFrameError('length', this.prefixBytes, 1);
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private completePrefix(chunk: Buffer, frames: Buffer[]): number {
    const prefix = (this.prefix ??= Buffer.alloc(MAX_VARINT_BYTES));
    const copied = chunk.copy(prefix, this.prefixBytes, 0, MAX_VARINT_BYTES - this.prefixBytes);
    const header = readVarint(prefix.subarray(0, this.prefixBytes + copied));
    if (header === undefined) {
      this.prefixBytes += copied;
      return chunk.length;
    }
    const consumed = header.bytes - this.prefixBytes;
    this.prefixBytes = 0;
    return this.startFrame(header.value, header.bytes, chunk, consumed, frames);
  }

  private startFrame(
    length: number,
    prefixBytes: number,
    chunk: Buffer,
    start: number,
    frames: Buffer[],
  ): number {
    if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
    const end = start + length;
    if (end <= chunk.length) {
      frames.push(chunk.subarray(start, end));
      return end;
    }
    this.body = Buffer.allocUnsafe(length);
    this.bodyFilled = chunk.copy(this.body, 0, start);
    this.bodyPrefixBytes = prefixBytes;
    return chunk.length;
  }

  private fillBody(body: Buffer, chunk: Buffer, frames: Buffer[]): number {
    const taken = chunk.copy(body, this.bodyFilled, 0, body.length - this.bodyFilled);
    this.bodyFilled += taken;
    if (this.bodyFilled === body.length) {
      frames.push(body);
      this.body = undefined;
    }
    return taken;
  }
}
