import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MalformedVarintError } from './errors';
import { encodeVarint, readVarint, varintLength, writeVarint } from './varint';

const KNOWN: ReadonlyArray<readonly [number, readonly number[]]> = [
  [0, [0x00]],
  [1, [0x01]],
  [127, [0x7f]],
  [128, [0x80, 0x01]],
  [300, [0xac, 0x02]],
  [16383, [0xff, 0x7f]],
  [16384, [0x80, 0x80, 0x01]],
  [2 ** 21 - 1, [0xff, 0xff, 0x7f]],
  [2 ** 28, [0x80, 0x80, 0x80, 0x80, 0x01]],
  [2 ** 32 - 1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
];

void describe('encodeVarint', () => {
  for (const [value, bytes] of KNOWN) {
    void it(`encodes ${value} as ${Buffer.from(bytes).toString('hex')}`, () => {
      assert.deepEqual([...encodeVarint(value)], bytes);
      assert.equal(varintLength(value), bytes.length);
    });
  }

  void it('rejects values that are negative, fractional or wider than 32 bits', () => {
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) {
      assert.throws(() => encodeVarint(bad), RangeError);
    }
  });

  void it('writes at an offset and refuses to write past the end of the target', () => {
    const target = Buffer.alloc(4, 0xee);
    assert.equal(writeVarint(300, target, 1), 3);
    assert.deepEqual([...target], [0xee, 0xac, 0x02, 0xee]);
    assert.throws(() => writeVarint(300, target, 3), RangeError);
    assert.deepEqual([...target], [0xee, 0xac, 0x02, 0xee]);
  });
});

void describe('readVarint', () => {
  for (const [value, bytes] of KNOWN) {
    void it(`decodes ${Buffer.from(bytes).toString('hex')} as ${value}`, () => {
      assert.deepEqual(readVarint(Buffer.from([0x99, ...bytes, 0x55]), 1), { value, bytes: bytes.length });
    });
  }

  void it('returns undefined for every proper prefix of an encoding', () => {
    const encoded = encodeVarint(2 ** 32 - 1);
    for (let end = 0; end < encoded.length; end++) {
      assert.equal(readVarint(encoded.subarray(0, end)), undefined);
    }
    assert.equal(readVarint(Buffer.from([0x01]), 1), undefined);
  });

  void it('accepts an over-long encoding that still fits in 5 bytes', () => {
    assert.deepEqual(readVarint(Buffer.from([0x80, 0x80, 0x00])), { value: 0, bytes: 3 });
  });

  void it('rejects a sixth byte as too long, before it has arrived', () => {
    assert.throws(
      () => readVarint(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80])),
      (e: unknown) =>
        e instanceof MalformedVarintError && e.reason === 'too-long' && e.code === 'MALFORMED_VARINT',
    );
    assert.throws(() => readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), /longer than 5 bytes/);
  });

  void it('rejects a 5-byte encoding whose value exceeds 32 bits', () => {
    assert.throws(
      () => readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10])),
      (e: unknown) =>
        e instanceof MalformedVarintError && e.reason === 'overflow' && /32 bits/.test(e.message),
    );
  });

  void it('round-trips random unsigned 32-bit values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const encoded = encodeVarint(value);
        assert.equal(encoded.length, varintLength(value));
        assert.deepEqual(readVarint(encoded), { value, bytes: encoded.length });
      }),
    );
  });
});
