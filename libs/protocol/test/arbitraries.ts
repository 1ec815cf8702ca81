import fc from 'fast-check';
import { Packet, PacketCommand } from '../src/gen/connect/connect.ext';

const commands = Object.values(PacketCommand).filter((v): v is PacketCommand => typeof v === 'number');

/** Random Packets: any Unicode request id, any command, up to 4 KiB of content, seqs up to 2^53-1. */
export const packetArb: fc.Arbitrary<Packet> = fc
  .record({
    requestId: fc.string({ unit: 'binary', maxLength: 40 }),
    command: fc.constantFrom(...commands),
    content: fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes)),
    seq: fc.oneof(fc.maxSafeNat(), fc.constant(Number.MAX_SAFE_INTEGER)),
  })
  .map((fields) => ({ ...fields }));

/** A body of `length` bytes whose content depends on `seed`, so misplaced bytes are noticed. */
export function patternBody(length: number, seed: number): Buffer {
  const body = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) body[i] = (i * 31 + seed * 7) & 0xff;
  return body;
}
