import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uint64MapKey } from './user.grpc';

void describe('uint64MapKey', () => {
  void it('reads decimal keys and the 8-byte little-endian keys proto-loader produces for uint64 maps', () => {
    assert.equal(uint64MapKey('10000'), 10000);
    const hash = Buffer.alloc(8);
    hash.writeBigUInt64LE(2n ** 40n + 10000n);
    assert.equal(uint64MapKey(hash.toString('latin1')), 2 ** 40 + 10000);
  });

  void it('turns anything else into NaN, which validation rejects', () => {
    assert.ok(Number.isNaN(uint64MapKey('ten')));
    assert.ok(Number.isNaN(uint64MapKey('')));
  });
});
