import type { Readable } from 'node:stream';
import type { ByteRange } from './range';

/**
 * Where the bytes of files live, by stored name (names are always FILE_NAME-shaped, made by the service).
 * DiskFileStore is the one gim ships; libs/file-service/README.md says how an object store plugs in.
 */
export abstract class FileStore {
  /**
   * Streams `source` into a new file `name`, which exists only once the whole stream arrived. When `source`
   * fails (or the write does) nothing is left behind and the error is rethrown.
   */
  abstract put(name: string, source: Readable): Promise<void>;

  /** The bytes of a file, or of one range of it; undefined when there is no such file. */
  abstract get(name: string, range?: ByteRange): Promise<Readable | undefined>;

  /** The size of a stored file; undefined when there is none. */
  abstract stat(name: string): Promise<{ size: number } | undefined>;

  /** Removes a file; false when there was none. */
  abstract delete(name: string): Promise<boolean>;

  /** Fails with FileError(StorageFull) when `bytes` more would not fit (keeping the store's reserve free). */
  abstract ensureRoom(bytes: number): Promise<void>;
}
