import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { FileError, FileErrorCode } from './file-errors';
import { UploadInspector } from './upload-inspector';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const allowed = new Set(['image/png']);

function png(length: number): Buffer {
  const body = Buffer.alloc(length, 7);
  PNG.copy(body);
  return body;
}

// Feeds `chunks` through an inspector into a sink; returns what reached the sink, or the failure.
async function inspect(chunks: Buffer[], maxBytes: number) {
  const inspector = new UploadInspector(maxBytes, allowed);
  const received: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk);
      done();
    },
  });
  const outcome = await pipeline(Readable.from(chunks), inspector, sink).then(
    () => undefined,
    (error: unknown) => error,
  );
  return { inspector, received: Buffer.concat(received), outcome };
}

function assertFileError(error: unknown, code: FileErrorCode): void {
  assert.ok(error instanceof FileError, `expected a FileError, got ${String(error)}`);
  assert.equal(error.code, code);
}

void describe('UploadInspector', () => {
  void it('passes every byte through, and counts and hashes them', async () => {
    const file = png(100_000);
    const chunks = [file.subarray(0, 3), file.subarray(3, 700), file.subarray(700)];
    const { inspector, received, outcome } = await inspect(chunks, 100_000);
    assert.equal(outcome, undefined);
    assert.deepEqual(received, file);
    assert.equal(inspector.size, file.length);
    assert.deepEqual(inspector.sha256, createHash('sha256').update(file).digest());
    assert.equal((await inspector.type).contentType, 'image/png');
  });

  void it('sniffs a file shorter than the sniffing window once it ends', async () => {
    const { received, outcome, inspector } = await inspect([png(20)], 1000);
    assert.equal(outcome, undefined);
    assert.equal(received.length, 20);
    assert.equal((await inspector.type).extension, 'png');
  });

  void it('fails with 413 as soon as one byte too many arrives', async () => {
    const { outcome, received } = await inspect([png(600), Buffer.alloc(401)], 1000);
    assertFileError(outcome, FileErrorCode.TooLarge);
    assert.ok(received.length <= 600);
  });

  void it('fails with 415 before letting a byte through when the type is not allowed', async () => {
    const { outcome, received, inspector } = await inspect(
      [Buffer.from('%PDF-1.7\n'), Buffer.alloc(4000, 0x20)],
      10_000,
    );
    assertFileError(outcome, FileErrorCode.TypeNotAllowed);
    assert.equal(received.length, 0);
    await assert.rejects(inspector.type);
  });

  void it('refuses an empty file', async () => {
    const { outcome } = await inspect([], 1000);
    assert.match(String(outcome), /empty/);
  });
});
