import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ALLOWED_TYPES, FILE_NAME, FILE_TYPES, newFileName, sniff } from './file-types';

const bytes = (...parts: (number[] | string)[]): Buffer =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );
const padded = (head: Buffer): Buffer => Buffer.concat([head, Buffer.alloc(64, 0x00)]);

void describe('sniff', () => {
  const cases: [string, Buffer, string][] = [
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
    ['PNG', bytes([0x89], 'PNG\r\n', [0x1a, 0x0a]), 'image/png'],
    ['GIF89a', bytes('GIF89a'), 'image/gif'],
    ['GIF87a', bytes('GIF87a'), 'image/gif'],
    ['WebP', bytes('RIFF', [0x10, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
    ['WAV', bytes('RIFF', [0x10, 0, 0, 0], 'WAVEfmt '), 'audio/wav'],
    ['MP4 (isom)', bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0]), 'video/mp4'],
    ['MP4 (mp42)', bytes([0, 0, 0, 0x18], 'ftypmp42'), 'video/mp4'],
    ['QuickTime', bytes([0, 0, 0, 0x14], 'ftypqt  '), 'video/quicktime'],
    ['M4A', bytes([0, 0, 0, 0x20], 'ftypM4A '), 'audio/mp4'],
    [
      'WebM',
      bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm'),
      'video/webm',
    ],
    ['MP3 with ID3', bytes('ID3', [0x04, 0, 0, 0, 0, 0, 0]), 'audio/mpeg'],
    ['MP3 frame', bytes([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg'],
    ['Ogg', bytes('OggS', [0x00, 0x02]), 'audio/ogg'],
    ['AMR', bytes('#!AMR\n'), 'audio/amr'],
    ['PDF', bytes('%PDF-1.7\n'), 'application/pdf'],
  ];
  for (const [what, head, type] of cases) {
    void it(`recognises ${what}`, () => {
      assert.equal(sniff(padded(head))?.contentType, type);
    });
  }

  void it('recognises UTF-8 text, also when the sniffed bytes cut a character in two', () => {
    assert.equal(sniff(Buffer.from('hello, 世界\r\n\tok'), true)?.contentType, 'text/plain');
    const cut = Buffer.from('ab世').subarray(0, 4);
    assert.equal(sniff(cut, false)?.contentType, 'text/plain');
    assert.equal(sniff(cut, true), undefined);
  });

  void it('refuses what it does not know, whatever a name or a declared type would say', () => {
    assert.equal(sniff(Buffer.alloc(0)), undefined);
    assert.equal(sniff(bytes('PK', [0x03, 0x04, 0x14, 0x00])), undefined, 'zip');
    assert.equal(sniff(bytes('MZ', [0x90, 0x00, 0x03])), undefined, 'executable');
    assert.equal(sniff(bytes([0, 0, 0, 0x20], 'ftypheic')), undefined, 'an ISO brand outside the table');
    assert.equal(sniff(bytes([0x1a, 0x45, 0xdf, 0xa3], 'matroska')), undefined, 'Matroska that is not WebM');
    assert.equal(sniff(bytes([0xff, 0xf1, 0x50, 0x80])), undefined, 'AAC ADTS is not MP3');
    assert.equal(sniff(bytes('text with a NUL', [0x00])), undefined);
    assert.equal(sniff(bytes([0xc3, 0x28]), true), undefined, 'invalid UTF-8');
  });

  void it('allows by default only types it can recognise', () => {
    const known = new Set(FILE_TYPES.map((type) => type.contentType));
    for (const type of DEFAULT_ALLOWED_TYPES) assert.ok(known.has(type), type);
    assert.ok(!DEFAULT_ALLOWED_TYPES.includes('text/plain'));
  });
});

void describe('stored names', () => {
  void it('are 128 random bits in hex with the extension of the type, and nothing else matches', () => {
    const png = FILE_TYPES.find((type) => type.extension === 'png')!;
    const names = new Set(Array.from({ length: 100 }, () => newFileName(png)));
    assert.equal(names.size, 100);
    for (const name of names) assert.match(name, FILE_NAME);
    for (const bad of [
      '../etc/passwd',
      `${'a'.repeat(32)}.exe`,
      `${'A'.repeat(32)}.png`,
      `${'a'.repeat(31)}.png`,
      `${'a'.repeat(32)}.png/..`,
      `${'a'.repeat(32)}%2epng`,
      `..%2f${'a'.repeat(32)}.png`,
      '',
    ]) {
      assert.doesNotMatch(bad, FILE_NAME, bad);
    }
  });
});
