import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { badRequest } from '@gim/errors';
import { FileError, FileErrorCode } from './file-errors';
import { FileType, sniff, SNIFF_BYTES } from './file-types';

/**
 * The stream an upload's bytes pass through on their way to the store: it holds back the first SNIFF_BYTES
 * until their type is known (`type` settles then; a type outside `allowed` fails with 415 before a byte is let
 * through), fails with 413 as soon as more than `maxBytes` arrived, and counts and hashes what it passes.
 */
export class UploadInspector extends Transform {
  /** The sniffed type, once the first bytes arrived; rejects when the upload fails first. */
  readonly type: Promise<FileType>;
  private bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private digest: Buffer | undefined;
  private head: Buffer[] = [];
  private headLength = 0;
  private sniffed = false;
  private settle!: { resolve(type: FileType): void; reject(error: Error): void };

  constructor(
    private readonly maxBytes: number,
    private readonly allowed: ReadonlySet<string>,
  ) {
    super();
    this.type = new Promise<FileType>((resolve, reject) => (this.settle = { resolve, reject }));
    this.type.catch(() => undefined);
  }

  /** Bytes received so far (all of them once the stream ended). */
  get size(): number {
    return this.bytes;
  }

  /** SHA-256 of the bytes, once the stream ended. */
  get sha256(): Buffer {
    if (!this.digest) throw new Error('the upload has not ended');
    return this.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(new FileError(FileErrorCode.TooLarge, `file too large: the limit is ${this.maxBytes} bytes`));
      return;
    }
    this.hash.update(chunk);
    if (this.sniffed) {
      done(null, chunk);
      return;
    }
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < SNIFF_BYTES) done();
    else this.release(false, done);
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes === 0) {
      done(badRequest('the file is empty'));
      return;
    }
    const finish: TransformCallback = (error, data) => {
      if (!error) this.digest = this.hash.digest();
      done(error, data);
    };
    if (this.sniffed) finish();
    else this.release(true, finish);
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    if (!this.sniffed) this.settle.reject(error ?? new Error('the upload ended before its type was known'));
    done(error);
  }

  private release(complete: boolean, done: TransformCallback): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    const type = sniff(head.subarray(0, SNIFF_BYTES), complete);
    if (!type || !this.allowed.has(type.contentType)) {
      const what = type ? type.contentType : 'an unrecognised type';
      done(new FileError(FileErrorCode.TypeNotAllowed, `files of ${what} are not accepted`));
      return;
    }
    this.sniffed = true;
    this.settle.resolve(type);
    done(null, head);
  }
}
