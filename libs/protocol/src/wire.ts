// Protobuf wire encoding: the part of a BinaryReader/BinaryWriter that ts-proto's generated code calls
// (with forceLong=number), so that this library needs no protobuf runtime package.
import { WireFormatError, WireFormatReason } from './errors';

/** The protobuf wire types: how the value after a tag is laid out. */
export enum WireType {
  Varint = 0,
  Bit64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Bit32 = 5,
}

const TWO_32 = 4_294_967_296;
/** Upper 32 bits below which a 64-bit value is at most 2^53-1, i.e. exact as a number. */
const SAFE_HIGH = 0x20_0000;
const MAX_UINT64 = 2n ** 64n - 1n;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
const EMPTY = Buffer.alloc(0);
const INITIAL_CAPACITY = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads protobuf wire data from one buffer. Every read checks the end of the buffer first: bad input
 * throws WireFormatError, never reads past the end.
 */
export class BinaryReader {
  /** Offset of the next byte to read. */
  pos = 0;
  /** Length of the input in bytes. */
  readonly len: number;
  private readonly buf: Buffer;
  private lo = 0;
  private hi = 0;

  /** Reads `input`, which bytes() returns views of; the caller must not modify it while those are in use. */
  constructor(input: Uint8Array) {
    this.buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    this.len = this.buf.length;
  }

  /** Reads a varint as uint32 (the low 32 bits of a longer one, as protobuf specifies); also reads tags. */
  uint32(): number {
    const pos = this.pos;
    if (pos < this.len) {
      const byte = this.buf[pos];
      if (byte < 0x80) {
        this.pos = pos + 1;
        return byte;
      }
    }
    this.varint();
    return this.lo;
  }

  /** Reads a varint as int32 (negative values take 10 bytes on the wire). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** Reads a varint as uint64: a number up to 2^53-1, a bigint above. */
  uint64(): number | bigint {
    this.varint();
    if (this.hi < SAFE_HIGH) return this.hi * TWO_32 + this.lo;
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Reads a varint as int64: a number within ±(2^53-1), a bigint beyond. */
  int64(): number | bigint {
    this.varint();
    const hi = this.hi | 0;
    const value = hi * TWO_32 + this.lo;
    if (hi >= -SAFE_HIGH && hi < SAFE_HIGH && value >= Number.MIN_SAFE_INTEGER) return value;
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  /** Reads a varint as bool: anything but zero is true. */
  bool(): boolean {
    this.varint();
    return this.lo !== 0 || this.hi !== 0;
  }

  /**
   * Reads a length-delimited field as a view of the input, not a copy. A caller that decodes from a buffer
   * it later reuses or overwrites must copy whatever it keeps; a view also keeps the whole input alive.
   */
  bytes(): Buffer {
    const length = this.length();
    const start = this.pos;
    this.pos = start + length;
    return this.buf.subarray(start, this.pos);
  }

  /** Reads a length-delimited field as a string; throws unless it is valid UTF-8. */
  string(): string {
    const at = this.pos;
    const length = this.length();
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (this.buf[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return this.buf.toString('latin1', start, end);
    try {
      return utf8.decode(this.buf.subarray(start, end));
    } catch {
      throw new WireFormatError('bad-utf8', at, 'string field is not valid UTF-8');
    }
  }

  /** Skips the value of a field with the given wire type; a group is skipped up to its matching end. */
  skip(wireType: number, fieldNo?: number): void {
    const at = this.pos;
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Bit64:
        this.advance(8, at);
        return;
      case WireType.LengthDelimited: {
        const length = this.length();
        this.pos += length;
        return;
      }
      case WireType.StartGroup:
        this.skipGroup(fieldNo);
        return;
      case WireType.EndGroup:
        throw new WireFormatError('bad-group', at, 'end-group without a start-group');
      case WireType.Bit32:
        this.advance(4, at);
        return;
      default:
        throw new WireFormatError('bad-wire-type', at, `invalid wire type ${wireType}`);
    }
  }

  private skipGroup(fieldNo: number | undefined): void {
    const open: Array<number | undefined> = [fieldNo];
    while (open.length > 0) {
      const at = this.pos;
      const tag = this.uint32();
      const wireType = tag & 7;
      if (wireType === WireType.EndGroup) {
        const expected = open.pop();
        if (expected !== undefined && expected !== tag >>> 3) {
          throw new WireFormatError(
            'bad-group',
            at,
            `end-group of field ${tag >>> 3} closes field ${expected}`,
          );
        }
      } else if (wireType === WireType.StartGroup) {
        open.push(tag >>> 3);
      } else {
        this.skip(wireType);
      }
    }
  }

  private advance(bytes: number, at: number): void {
    if (bytes > this.len - this.pos) this.fail('truncated', at, `input ends inside a ${bytes}-byte value`);
    this.pos += bytes;
  }

  /** Reads a length prefix and checks that that many bytes follow it. */
  private length(): number {
    const at = this.pos;
    this.varint();
    if (this.hi !== 0 || this.lo > this.len - this.pos) {
      const announced = this.hi === 0 ? this.lo : this.hi * TWO_32 + this.lo;
      this.fail('bad-length', at, `length ${announced} exceeds the ${this.len - this.pos} byte(s) left`);
    }
    return this.lo;
  }

  /** Reads a varint of up to 10 bytes into lo and hi (its low and high 32 bits). */
  private varint(): void {
    const buf = this.buf;
    const at = this.pos;
    let pos = at;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.len) this.fail('truncated', at, 'input ends inside a varint');
      const byte = buf[pos++];
      if (i < 4) {
        lo |= (byte & 0x7f) << (7 * i);
      } else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi = (byte & 0x7f) >>> 4;
      } else if (i < 9) {
        hi |= (byte & 0x7f) << (7 * i - 32);
      } else if (byte > 1) {
        this.fail('bad-varint', at, 'varint longer than 10 bytes or above 64 bits');
      } else {
        hi |= byte << 31;
      }
      if (byte < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
  }

  private fail(reason: WireFormatReason, at: number, detail: string): never {
    throw new WireFormatError(reason, at, detail);
  }
}

/**
 * Builds protobuf wire data in one growing buffer. Values outside a field type's range throw RangeError.
 * fork() starts a length-delimited submessage and join() ends it, writing its length in front.
 */
export class BinaryWriter {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private readonly forks: number[] = [];

  /** Writes an unsigned 32-bit integer as a varint (also used for tags and lengths). */
  uint32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
      throw new RangeError(`invalid uint32: ${value}`);
    }
    this.reserve(5);
    this.writeVarint32(value);
    return this;
  }

  /** Writes a signed 32-bit integer as a varint; a negative one takes 10 bytes, as protobuf specifies. */
  int32(value: number): this {
    if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
      throw new RangeError(`invalid int32: ${value}`);
    }
    if (value >= 0) return this.uint32(value);
    this.writeVarint64(value >>> 0, 0xffff_ffff);
    return this;
  }

  /** Writes an unsigned 64-bit integer (an integral number or a bigint from 0 to 2^64-1) as a varint. */
  uint64(value: number | bigint): this {
    if (
      typeof value === 'bigint' ? value < 0n || value > MAX_UINT64 : !(value >= 0 && value < TWO_32 * TWO_32)
    ) {
      throw new RangeError(`invalid uint64: ${value}`);
    }
    this.write64(value, 'uint64');
    return this;
  }

  /** Writes a signed 64-bit integer (an integral number or a bigint from -2^63 to 2^63-1) as a varint. */
  int64(value: number | bigint): this {
    if (
      typeof value === 'bigint'
        ? value < MIN_INT64 || value > MAX_INT64
        : !(value >= -(TWO_32 * TWO_32) / 2 && value < (TWO_32 * TWO_32) / 2)
    ) {
      throw new RangeError(`invalid int64: ${value}`);
    }
    this.write64(value, 'int64');
    return this;
  }

  /** Writes a bool as a one-byte varint. */
  bool(value: boolean): this {
    this.reserve(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  /** Writes bytes as a length-delimited field (copied into the writer). */
  bytes(value: Uint8Array): this {
    this.uint32(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  /** Writes a string as a length-delimited UTF-8 field (lone surrogates become U+FFFD). */
  string(value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.uint32(length);
    this.reserve(length);
    this.pos += this.buf.write(value, this.pos, length, 'utf8');
    return this;
  }

  /** Starts a length-delimited submessage; the matching join() writes its length before it. */
  fork(): this {
    this.forks.push(this.pos);
    return this;
  }

  /** Ends the submessage of the last fork(), prefixing it with its length. */
  join(): this {
    const start = this.forks.pop();
    if (start === undefined) throw new Error('BinaryWriter.join() without fork()');
    const length = this.pos - start;
    const prefix = varint32Length(length);
    this.reserve(prefix);
    this.buf.copyWithin(start + prefix, start, this.pos);
    const end = this.pos + prefix;
    this.pos = start;
    this.writeVarint32(length);
    this.pos = end;
    return this;
  }

  /** Returns everything written (a view of the writer's buffer) and starts the writer afresh. */
  finish(): Buffer {
    if (this.forks.length > 0) throw new Error('BinaryWriter.finish() with a fork() not joined');
    const out = this.buf.subarray(0, this.pos);
    this.buf = EMPTY;
    this.pos = 0;
    return out;
  }

  private write64(value: number | bigint, type: string): void {
    let lo: number;
    let hi: number;
    if (typeof value === 'bigint') {
      lo = Number(value & 0xffff_ffffn);
      hi = Number((value >> 32n) & 0xffff_ffffn);
    } else {
      if (!Number.isInteger(value)) throw new RangeError(`invalid ${type}: ${value}`);
      lo = value % TWO_32;
      if (lo < 0) lo += TWO_32;
      hi = ((value - lo) / TWO_32) >>> 0;
    }
    this.writeVarint64(lo, hi);
  }

  private writeVarint32(value: number): void {
    let rest = value;
    while (rest > 0x7f) {
      this.buf[this.pos++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buf[this.pos++] = rest;
  }

  private writeVarint64(low: number, high: number): void {
    this.reserve(10);
    let lo = low;
    let hi = high;
    while (hi > 0 || lo > 0x7f) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  private reserve(bytes: number): void {
    const needed = this.pos + bytes;
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2, INITIAL_CAPACITY));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

function varint32Length(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}
