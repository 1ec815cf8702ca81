import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileError, FileErrorCode } from './file-errors';
import { FileStore } from './file-store';
import { FILE_NAME } from './file-types';
import type { ByteRange } from './range';

/** Where uploads are written until complete; a sibling of the files, so completing one is an atomic rename. */
const TEMP_DIR = '.tmp';
/** A temporary file older than this belongs to no upload still running (any process sharing the volume). */
const STALE_TEMP_MS = 60 * 60 * 1000;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Files on a local (or mounted, e.g. a Kubernetes persistent volume) disk: `<dir>/<first two hex digits>/<name>`,
 * so no folder grows past a few thousand entries per million files. An upload is written to `<dir>/.tmp/`,
 * flushed to the disk, then renamed into place; a failed one is removed at once, and temporary files a crashed
 * process left are removed at the next start once they are an hour old.
 */
export class DiskFileStore extends FileStore {
  private readonly dir: string;

  constructor(
    dir: string,
    /** bytes of the volume kept free: an upload that could eat into them is refused (507) */
    private readonly reserveBytes: number,
  ) {
    super();
    this.dir = resolve(dir);
  }

  /** Creates the folders and removes stale temporary files. */
  async open(): Promise<void> {
    const temp = join(this.dir, TEMP_DIR);
    await mkdir(temp, { recursive: true });
    const now = Date.now();
    for (const entry of await readdir(temp)) {
      const path = join(temp, entry);
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
    }
  }

  private path(name: string): string {
    if (!FILE_NAME.test(name)) throw new Error(`not a stored file name: ${JSON.stringify(name)}`);
    return join(this.dir, name.slice(0, 2), name);
  }

  override async put(name: string, source: Readable): Promise<void> {
    const target = this.path(name);
    const temp = join(this.dir, TEMP_DIR, `${randomBytes(12).toString('hex')}.part`);
    try {
      const handle = await open(temp, 'wx', 0o640);
      await pipeline(source, handle.createWriteStream({ flush: true }));
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
    } catch (error) {
      source.destroy();
      await rm(temp, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new FileError(FileErrorCode.StorageFull);
      throw error;
    }
  }

  override async get(name: string, range?: ByteRange): Promise<Readable | undefined> {
    try {
      const handle = await open(this.path(name), 'r');
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  override async stat(name: string): Promise<{ size: number } | undefined> {
    try {
      return { size: (await stat(this.path(name))).size };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  override async delete(name: string): Promise<boolean> {
    try {
      await rm(this.path(name));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  override async ensureRoom(bytes: number): Promise<void> {
    const volume = await statfs(this.dir);
    if (volume.bavail * volume.bsize < bytes + this.reserveBytes) {
      throw new FileError(FileErrorCode.StorageFull);
    }
  }
}
