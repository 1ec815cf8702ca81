import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FrameTooLargeError, MalformedVarintError, TruncatedFrameError } from './errors';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder, framePrefix } from './frame';
import { PacketCommand } from './gen/connect/connect.ext';
import { decodePacket, encodePacketFrame } from './packet';
import { varintLength } from './varint';
import { packetArb, patternBody } from '../test/arbitraries';

/** Chunk sizes, used cyclically: many single bytes and short runs so that splits land inside length prefixes. */
const chunkSizesArb = fc.array(
  fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9000 })),
  {
    minLength: 1,
    maxLength: 40,
  },
);

/** Cuts `stream` into fresh (copied) chunks with the given sizes, cycling through them. */
function split(stream: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < stream.length; i++) {
    const size = sizes[i % sizes.length];
    chunks.push(Buffer.from(stream.subarray(offset, offset + size)));
    offset += size;
  }
  return chunks;
}

/** Feeds every chunk, copies out each returned body, then scribbles over the chunk to catch retained views. */
function feed(decoder: FrameDecoder, chunks: readonly Buffer[]): Buffer[] {
  const bodies: Buffer[] = [];
  for (const chunk of chunks) {
    for (const body of decoder.push(chunk)) bodies.push(Buffer.from(body));
    chunk.fill(0xa5);
  }
  return bodies;
}

void describe('encodeFrame', () => {
  void it('prefixes the body with its varint length', () => {
    assert.deepEqual([...encodeFrame(Buffer.from('abc'))], [0x03, 0x61, 0x62, 0x63]);
    assert.deepEqual([...encodeFrame(new Uint8Array(0))], [0x00]);
    const frame = encodeFrame(patternBody(300, 1));
    assert.equal(frame.length, 302);
    assert.deepEqual([...frame.subarray(0, 2)], [0xac, 0x02]);
    assert.deepEqual(frame.subarray(2), patternBody(300, 1));
  });

  void it('has framePrefix return exactly the bytes encodeFrame puts before the body', () => {
    for (const length of [0, 127, 128, 16384, DEFAULT_MAX_FRAME_BYTES]) {
      const prefix = framePrefix(length);
      assert.deepEqual(prefix, encodeFrame(Buffer.alloc(length)).subarray(0, prefix.length));
      assert.equal(prefix.length, varintLength(length));
    }
  });
});

void describe('FrameDecoder', () => {
  void it('returns every frame of a chunk, as views of that chunk', () => {
    const bodies = Array.from({ length: 100 }, (_, i) => patternBody(i * 3, i));
    const chunk = Buffer.concat(bodies.map((body) => encodeFrame(body)));
    const decoder = new FrameDecoder();
    const frames = decoder.push(chunk);
    assert.deepEqual(frames, bodies);
    assert.ok(frames.every((frame) => frame.buffer === chunk.buffer));
    assert.equal(decoder.bufferedBytes, 0);
    decoder.end();
  });

  void it('decodes a zero-length frame as an empty body', () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(Buffer.from([0x00, 0x00, 0x01, 0x7a])), [
      Buffer.alloc(0),
      Buffer.alloc(0),
      Buffer.from('z'),
    ]);
    assert.deepEqual(decodePacket(Buffer.alloc(0)), {
      requestId: '',
      command: PacketCommand.PC_UNKNOWN,
      content: Buffer.alloc(0),
      seq: 0,
    });
  });

  void it('reassembles a frame split inside its length prefix and inside its body', () => {
    const body = patternBody(20_000, 3);
    const frame = encodeFrame(body);
    assert.equal(frame.length, 20_003);
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(frame.subarray(0, 1)), []);
    assert.equal(decoder.bufferedBytes, 1);
    assert.deepEqual(decoder.push(frame.subarray(1, 2)), []);
    assert.equal(decoder.bufferedBytes, 2);
    assert.deepEqual(decoder.push(frame.subarray(2, 10)), []);
    assert.equal(decoder.bufferedBytes, 10);
    assert.deepEqual(decoder.push(Buffer.concat([frame.subarray(10), Buffer.from([0x01])])), [body]);
    assert.equal(decoder.bufferedBytes, 1);
  });

  void it('tracks buffered bytes and hands back the frame completed by the last byte', () => {
    const frame = encodeFrame(patternBody(200, 4));
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(frame.subarray(0, 150)), []);
    assert.equal(decoder.bufferedBytes, 150);
    const frames = decoder.push(
      Buffer.concat([frame.subarray(150), encodeFrame(Buffer.from('next')), Buffer.from([0x05])]),
    );
    assert.deepEqual(frames, [patternBody(200, 4), Buffer.from('next')]);
    assert.equal(decoder.bufferedBytes, 1);
  });

  void it('accepts a frame of exactly the limit and rejects limit+1 as soon as its prefix arrives', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1000 });
    assert.equal(decoder.maxFrameBytes, 1000);
    assert.deepEqual(decoder.push(encodeFrame(patternBody(1000, 5))), [patternBody(1000, 5)]);
    assert.throws(
      () => decoder.push(framePrefix(1001)),
      (e: unknown) =>
        e instanceof FrameTooLargeError &&
        e.code === 'FRAME_TOO_LARGE' &&
        e.size === 1001 &&
        e.max === 1000 &&
        e.message === 'frame of 1001 bytes exceeds the 1000-byte limit',
    );
  });

  void it('applies the 64 KiB default limit', () => {
    const decoder = new FrameDecoder();
    assert.equal(decoder.maxFrameBytes, 65_536);
    const body = patternBody(65_536, 6);
    assert.deepEqual(decoder.push(encodeFrame(body)), [body]);
    const prefix = framePrefix(65_537);
    assert.deepEqual(decoder.push(prefix.subarray(0, prefix.length - 1)), []);
    assert.throws(
      () => decoder.push(prefix.subarray(prefix.length - 1)),
      /^FrameTooLargeError: frame of 65537 bytes exceeds the 65536-byte limit$/,
    );
  });

  void it('allows only empty frames with a limit of 0', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 0 });
    assert.deepEqual(decoder.push(Buffer.from([0x00])), [Buffer.alloc(0)]);
    assert.throws(() => decoder.push(Buffer.from([0x01])), FrameTooLargeError);
  });

  void it('rejects a length prefix of six bytes, even when it arrives a byte at a time', () => {
    const whole = new FrameDecoder();
    assert.throws(() => whole.push(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), MalformedVarintError);

    const bytewise = new FrameDecoder();
    for (let i = 0; i < 4; i++) assert.deepEqual(bytewise.push(Buffer.from([0x80])), []);
    assert.throws(
      () => bytewise.push(Buffer.from([0x80])),
      (e: unknown) => e instanceof MalformedVarintError && e.reason === 'too-long',
    );
  });

  void it('rejects a length prefix over 32 bits as malformed, not as too large', () => {
    assert.throws(
      () => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])),
      (e: unknown) => e instanceof MalformedVarintError && e.reason === 'overflow',
    );
  });

  void it('is unusable after an error: later calls rethrow the same error', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 10 });
    let first: unknown;
    try {
      decoder.push(Buffer.from([0x01, 0x61, 0x0b]));
    } catch (error) {
      first = error;
    }
    assert.ok(first instanceof FrameTooLargeError);
    assert.throws(
      () => decoder.push(Buffer.from([0x00])),
      (e: unknown) => e === first,
    );
    assert.throws(
      () => decoder.end(),
      (e: unknown) => e === first,
    );
  });

  void it('reports a stream that ends inside a length prefix', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from([0x00, 0x80, 0x80]));
    assert.throws(
      () => decoder.end(),
      (e: unknown) =>
        e instanceof TruncatedFrameError &&
        e.code === 'TRUNCATED_FRAME' &&
        e.partial === 'length' &&
        e.received === 2 &&
        e.message === 'stream ended inside a frame length prefix after 2 byte(s)',
    );
  });

  void it('reports a stream that ends inside a body with the exact shortfall', () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeFrame(patternBody(5000, 7)).subarray(0, 3802));
    assert.throws(
      () => decoder.end(),
      (e: unknown) =>
        e instanceof TruncatedFrameError &&
        e.partial === 'body' &&
        e.received === 3800 &&
        e.missing === 1200 &&
        e.message === 'stream ended 1200 byte(s) short of a 5000-byte frame body',
    );
  });

  void it('ends cleanly at a frame boundary', () => {
    const decoder = new FrameDecoder();
    decoder.end();
    decoder.push(encodeFrame(Buffer.from('x')));
    decoder.end();
  });

  void it('refuses a limit that is not an integer from 0 to 2^32-1', () => {
    for (const maxFrameBytes of [-1, 1.5, 2 ** 32, Number.NaN]) {
      assert.throws(() => new FrameDecoder({ maxFrameBytes }), RangeError);
    }
  });
});

void describe('FrameDecoder properties', () => {
  void it('returns the same packets, in order, however the stream is split', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 25 }), chunkSizesArb, (packets, sizes) => {
        const stream = Buffer.concat(packets.map((packet) => encodePacketFrame(packet)));
        const decoder = new FrameDecoder();
        const decoded = feed(decoder, split(stream, sizes)).map((body) => decodePacket(body));
        assert.deepEqual(decoded, packets);
        assert.equal(decoder.bufferedBytes, 0);
        decoder.end();
      }),
      { numRuns: 300 },
    );
  });

  void it('returns the same bodies for frames with 1- to 3-byte length prefixes', () => {
    const lengthArb = fc.oneof(fc.nat(130), fc.integer({ min: 16_380, max: 70_000 }));
    fc.assert(
      fc.property(fc.array(lengthArb, { maxLength: 6 }), chunkSizesArb, (lengths, sizes) => {
        const bodies = lengths.map((length, i) => patternBody(length, i));
        const stream = Buffer.concat(bodies.map((body) => encodeFrame(body)));
        const decoder = new FrameDecoder({ maxFrameBytes: 70_000 });
        assert.deepEqual(feed(decoder, split(stream, sizes)), bodies);
        decoder.end();
      }),
      { numRuns: 100 },
    );
  });

  void it('rejects an oversize frame on the chunk that completes its prefix, before any body byte', () => {
    const caseArb = fc.integer({ min: 0, max: 3000 }).chain((max) =>
      fc.record({
        max: fc.constant(max),
        size: fc.oneof(
          fc.integer({ min: max + 1, max: max + 200 }),
          fc.integer({ min: max + 1, max: 2 ** 32 - 1 }),
        ),
        lengths: fc.array(fc.nat(max), { maxLength: 5 }),
        sizes: chunkSizesArb,
      }),
    );
    fc.assert(
      fc.property(caseArb, ({ max, size, lengths, sizes }) => {
        const bodies = lengths.map((length, i) => patternBody(length, i));
        const stream = Buffer.concat([...bodies.map((body) => encodeFrame(body)), framePrefix(size)]);
        const chunks = split(stream, sizes);
        const decoder = new FrameDecoder({ maxFrameBytes: max });
        const received = feed(decoder, chunks.slice(0, -1));
        assert.deepEqual(received, bodies.slice(0, received.length));
        assert.throws(
          () => decoder.push(chunks[chunks.length - 1]),
          (e: unknown) => e instanceof FrameTooLargeError && e.size === size && e.max === max,
        );
      }),
      { numRuns: 300 },
    );
  });

  void it('makes end() throw after a partial frame, naming the part that was cut', () => {
    const caseArb = fc
      .record({
        lengths: fc.array(fc.nat(300), { maxLength: 4 }),
        last: fc.integer({ min: 1, max: 20_000 }),
        sizes: chunkSizesArb,
      })
      .chain((c) => {
        const frameLength = varintLength(c.last) + c.last;
        const cut = fc.oneof(
          fc.integer({ min: 1, max: Math.min(varintLength(c.last), frameLength - 1) }),
          fc.integer({ min: 1, max: frameLength - 1 }),
        );
        return fc.record({ c: fc.constant(c), cut });
      });
    fc.assert(
      fc.property(caseArb, ({ c: { lengths, last, sizes }, cut }) => {
        const bodies = lengths.map((length, i) => patternBody(length, i));
        const partial = encodeFrame(patternBody(last, 99)).subarray(0, cut);
        const stream = Buffer.concat([...bodies.map((body) => encodeFrame(body)), partial]);
        const decoder = new FrameDecoder();
        assert.deepEqual(feed(decoder, split(stream, sizes)), bodies);
        assert.equal(decoder.bufferedBytes, cut);
        const prefixLength = varintLength(last);
        const expected =
          cut < prefixLength
            ? { partial: 'length', received: cut, missing: 1 }
            : { partial: 'body', received: cut - prefixLength, missing: last - (cut - prefixLength) };
        assert.throws(
          () => decoder.end(),
          (e: unknown) =>
            e instanceof TruncatedFrameError &&
            e.partial === expected.partial &&
            e.received === expected.received &&
            e.missing === expected.missing,
        );
      }),
      { numRuns: 300 },
    );
  });
});
