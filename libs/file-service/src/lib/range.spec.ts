import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagMatches, notModified, parseRange, rangeApplies } from './range';

void describe('parseRange', () => {
  const size = 1000;
  const part = (start: number, end: number) => ({ kind: 'part', start, end });

  void it('reads one bytes range in each of its three forms, clipped to the file', () => {
    assert.deepEqual(parseRange('bytes=0-99', size), part(0, 99));
    assert.deepEqual(parseRange('bytes=500-', size), part(500, 999));
    assert.deepEqual(parseRange('bytes=-100', size), part(900, 999));
    assert.deepEqual(parseRange('bytes=990-5000', size), part(990, 999));
    assert.deepEqual(parseRange('bytes=-5000', size), part(0, 999));
    assert.deepEqual(parseRange('bytes=999-999', size), part(999, 999));
    assert.deepEqual(parseRange('Bytes = 1-2', size), part(1, 2));
  });

  void it('asks for the whole file without a header, with another unit, or with several ranges', () => {
    assert.deepEqual(parseRange(undefined, size), { kind: 'whole' });
    assert.deepEqual(parseRange('items=0-1', size), { kind: 'whole' });
    assert.deepEqual(parseRange('nonsense', size), { kind: 'whole' });
    assert.deepEqual(parseRange('bytes=0-1,5-6', size), { kind: 'whole' });
  });

  void it('finds malformed or out-of-file ranges unsatisfiable', () => {
    for (const header of [
      'bytes=1000-',
      'bytes=1000-1001',
      'bytes=-0',
      'bytes=5-1',
      'bytes=-',
      'bytes=',
      'bytes=a-b',
      'bytes=1.5-2',
      'bytes=99999999999999999999-',
    ]) {
      assert.deepEqual(parseRange(header, size), { kind: 'unsatisfiable' }, header);
    }
    assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' }, 'an empty file has no byte 0');
  });
});

void describe('conditional requests', () => {
  const etag = '"abc"';
  const modified = new Date('2026-01-02T03:04:05.678Z');

  void it('matches If-None-Match lists, weak tags and *', () => {
    assert.ok(etagMatches('"abc"', etag));
    assert.ok(etagMatches('"x", W/"abc"', etag));
    assert.ok(etagMatches('*', etag));
    assert.ok(!etagMatches('"abcd"', etag));
    assert.ok(!etagMatches(undefined, etag));
  });

  void it('is not modified by tag first, else by date to the second', () => {
    assert.ok(notModified({ 'if-none-match': '"abc"' }, etag, modified));
    assert.ok(
      !notModified({ 'if-none-match': '"x"', 'if-modified-since': modified.toUTCString() }, etag, modified),
    );
    assert.ok(notModified({ 'if-modified-since': modified.toUTCString() }, etag, modified));
    assert.ok(!notModified({ 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' }, etag, modified));
    assert.ok(!notModified({ 'if-modified-since': 'yesterday' }, etag, modified));
  });

  void it('applies a range only when If-Range still names the file', () => {
    assert.ok(rangeApplies(undefined, etag, modified));
    assert.ok(rangeApplies('"abc"', etag, modified));
    assert.ok(!rangeApplies('"old"', etag, modified));
    assert.ok(!rangeApplies('W/"abc"', etag, modified));
    assert.ok(rangeApplies(modified.toUTCString(), etag, modified));
    assert.ok(!rangeApplies('Thu, 01 Jan 2026 00:00:00 GMT', etag, modified));
  });
});
