import { MalformedVarintError } from './errors';

/** Largest value a length-prefix varint may hold: 2^32 - 1. */
export const MAX_VARINT_VALUE = 0xffff_ffff;

/** Longest valid encoding of a length-prefix varint, in bytes. */
export const MAX_VARINT_BYTES = 5;

/** Result of readVarint: the decoded value and how many bytes its encoding took. */
export interface VarintRead {
  /** The decoded unsigned value. */
  readonly value: number;
  /** Length of the encoding in bytes (1 to 5). */
  readonly bytes: number;
}

const PLACE_VALUES = [1, 2 ** 7, 2 ** 14, 2 ** 21, 2 ** 28] as const;

function assertUint32(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_VARINT_VALUE) {
    throw new RangeError(`varint value must be an integer from 0 to ${MAX_VARINT_VALUE}, got ${value}`);
  }
}

/** Number of bytes (1 to 5) the base-128 varint encoding of an unsigned 32-bit `value` takes. */
export function varintLength(value: number): number {
  assertUint32(value);
  if (value < PLACE_VALUES[1]) return 1;
  if (value < PLACE_VALUES[2]) return 2;
  if (value < PLACE_VALUES[3]) return 3;
  if (value < PLACE_VALUES[4]) return 4;
  return 5;
}

/** Writes the varint encoding of `value` into `target` at `offset`; returns the offset just past it. */
export function writeVarint(value: number, target: Uint8Array, offset: number): number {
  const end = offset + varintLength(value);
  if (!Number.isInteger(offset) || offset < 0 || end > target.length) {
    throw new RangeError(
      `no room for a ${end - offset}-byte varint at offset ${offset} of ${target.length} bytes`,
    );
  }
  let rest = value;
  let at = offset;
  while (rest > 0x7f) {
    target[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  target[at] = rest;
  return end;
}

/** Encodes an unsigned 32-bit `value` as a protobuf base-128 varint. */
export function encodeVarint(value: number): Buffer {
  const out = Buffer.allocUnsafe(varintLength(value));
  writeVarint(value, out, 0);
  return out;
}

/**
 * Reads a length-prefix varint at `offset`; returns undefined when `buf` ends before the varint does.
 * Throws MalformedVarintError when the encoding runs past 5 bytes or its value past 32 bits.
 */
export function readVarint(buf: Uint8Array, offset = 0): VarintRead | undefined {
  let value = 0;
  for (let i = 0; ; i++) {
    if (offset + i >= buf.length) return undefined;
    const byte = buf[offset + i];
    if (i === MAX_VARINT_BYTES - 1 && byte > 0x0f) {
      throw new MalformedVarintError(byte & 0x80 ? 'too-long' : 'overflow');
    }
    value += (byte & 0x7f) * PLACE_VALUES[i];
    if (byte < 0x80) return { value, bytes: i + 1 };
  }
}
