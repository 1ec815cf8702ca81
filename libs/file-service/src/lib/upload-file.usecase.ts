import type { IncomingMessage } from 'node:http';
import busboy, { type Busboy } from 'busboy';
import { badRequest } from '@gim/errors';
import type { Caller } from './caller';
import { FileError, FileErrorCode } from './file-errors';
import { FileStore } from './file-store';
import { newFileName } from './file-types';
import { FileRecord, FileRepository } from './file.repository';
import { UploadInspector } from './upload-inspector';

/** What an upload may be. */
export interface UploadLimits {
  /** largest file, in bytes */
  maxBytes: number;
  /** media types accepted */
  allowed: ReadonlySet<string>;
}

/** The multipart field that carries the file (as in the Go gim). */
const FILE_FIELD = 'file';

/** Room allowed around the file in a multipart body: boundaries, part headers and the small fields ignored. */
const ENVELOPE_BYTES = 64 * 1024;

/** A file in the store whose metadata is not recorded yet. */
interface StoredUpload {
  name: string;
  contentType: string;
  size: number;
  sha256: Buffer;
}

/**
 * Takes one upload: streams the multipart field `file` through an UploadInspector (type, size, hash) into the
 * store, and records it once the whole body has arrived. Nothing of a refused or failed upload stays behind.
 */
export class UploadFileUseCase {
  private readonly bodyLimit: number;

  constructor(
    private readonly limits: UploadLimits,
    private readonly store: FileStore,
    private readonly files: FileRepository,
  ) {
    this.bodyLimit = limits.maxBytes + ENVELOPE_BYTES;
  }

  /**
   * Stores the file of `request` as uploaded by `caller`. `beforeBody` runs once the request passed the checks
   * that need no body (declared length, room, content type), before a byte of the body is read.
   */
  async execute(request: IncomingMessage, caller: Caller, beforeBody?: () => void): Promise<FileRecord> {
    const declared = Number(request.headers['content-length']);
    if (declared > this.bodyLimit) throw this.tooLarge();
    await this.store.ensureRoom(Number.isFinite(declared) ? declared : this.limits.maxBytes);
    let parser: Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        limits: { fields: 16, fieldSize: 1024, parts: 32, headerPairs: 16 },
      });
    } catch {
      throw badRequest(`send a multipart/form-data body with the file in the field "${FILE_FIELD}"`);
    }
    beforeBody?.();
    const upload = await this.receive(request, parser);
    try {
      return await this.files.insert({
        ...upload,
        appId: caller.appId,
        userId: caller.userId,
        createdAt: new Date(),
      });
    } catch (error) {
      await this.store.delete(upload.name).catch(() => undefined);
      throw error;
    }
  }

  private tooLarge(): FileError {
    return new FileError(
      FileErrorCode.TooLarge,
      `file too large: the limit is ${this.limits.maxBytes} bytes`,
    );
  }

  // Resolves once the body has been read whole and its file is in the store; on any failure first, rejects
  // with it, stops reading and leaves nothing in the store.
  private receive(request: IncomingMessage, parser: Busboy): Promise<StoredUpload> {
    return new Promise((resolve, reject) => {
      let storing: Promise<StoredUpload> | undefined;
      let inspector: UploadInspector | undefined;
      let settled = false;
      let received = 0;

      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        request.unpipe(parser);
        request.off('data', count);
        const reason = error instanceof Error ? error : new Error(String(error));
        inspector?.destroy(reason);
        // The answer waits until nothing of the upload is left in the store (a failed put removes its own part).
        const removed = storing?.then((upload) => this.store.delete(upload.name));
        void Promise.resolve(removed)
          .catch(() => undefined)
          .then(() => reject(reason));
      };
      const count = (chunk: Buffer) => {
        received += chunk.length;
        if (received > this.bodyLimit) fail(this.tooLarge());
      };

      parser.on('file', (field, stream) => {
        if (field !== FILE_FIELD || storing !== undefined || settled) {
          // The parser reports a broken part itself.
          stream.on('error', () => undefined);
          stream.resume();
          return;
        }
        const taken = new UploadInspector(this.limits.maxBytes, this.limits.allowed);
        inspector = taken;
        stream.on('error', (error) => taken.destroy(error));
        taken.on('error', fail);
        stream.pipe(taken);
        storing = this.keep(taken);
        storing.catch(fail);
      });
      parser.on('error', (error) => {
        fail(
          badRequest(`malformed multipart body: ${error instanceof Error ? error.message : String(error)}`),
        );
      });
      parser.on('close', () => {
        if (settled) return;
        if (storing === undefined) {
          fail(badRequest(`no file: send it in the multipart field "${FILE_FIELD}"`));
          return;
        }
        storing.then((upload) => {
          if (settled) return;
          settled = true;
          resolve(upload);
        }, fail);
      });
      request.on('close', () => {
        if (!request.complete) fail(badRequest('the upload was cut off before its end'));
      });
      request.on('data', count);
      request.pipe(parser);
    });
  }

  private async keep(inspector: UploadInspector): Promise<StoredUpload> {
    const type = await inspector.type;
    const name = newFileName(type);
    await this.store.put(name, inspector);
    return { name, contentType: type.contentType, size: inspector.size, sha256: inspector.sha256 };
  }
}
