import { Logger } from '@nestjs/common';
import { badRequest } from '@gim/errors';
import type { Caller } from './caller';
import { FileError, FileErrorCode } from './file-errors';
import { FileStore } from './file-store';
import { FILE_NAME } from './file-types';
import { FileRecord, FileRepository } from './file.repository';

/** Files per page of a listing when the caller names no limit. */
const LIST_DEFAULT = 20;
/** Most files a page of a listing may hold. */
const LIST_MAX = 100;

/** A page of a caller's files. */
export interface FilePage {
  files: FileRecord[];
  /** pass it as `cursor` for the next page; '' when this is the last */
  nextCursor: string;
}

function notFound(): FileError {
  return new FileError(FileErrorCode.NotFound);
}

/** The file stored under `name` when `caller` may read it (anyone when caller is undefined); 404 otherwise. */
export class FindFileUseCase {
  constructor(private readonly files: FileRepository) {}

  async execute(name: string, caller: Caller | undefined): Promise<FileRecord> {
    if (!FILE_NAME.test(name)) throw notFound();
    const file = await this.files.findByName(name);
    if (!file || (caller !== undefined && caller.appId !== file.appId)) throw notFound();
    return file;
  }
}

/** Most names one ownership check may ask about. */
export const OWNED_CHECK_MAX = 100;

/**
 * For another gim service (business, when a moment names files): which of `names` are stored names of files
 * `owner` uploaded in its app. A name of any other shape is simply not among them.
 */
export class OwnedFilesUseCase {
  constructor(private readonly files: FileRepository) {}

  async execute(owner: Caller, names: readonly string[]): Promise<string[]> {
    if (names.length > OWNED_CHECK_MAX) throw badRequest(`at most ${OWNED_CHECK_MAX} names per check`);
    const wellFormed = [...new Set(names)].filter((name) => FILE_NAME.test(name));
    return this.files.namesOwned(owner.appId, owner.userId, wellFormed);
  }
}

/** The caller's own uploads, newest first, a page at a time. */
export class ListFilesUseCase {
  constructor(private readonly files: FileRepository) {}

  async execute(caller: Caller, query: { limit?: string; cursor?: string }): Promise<FilePage> {
    const limit = query.limit === undefined || query.limit === '' ? LIST_DEFAULT : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
      throw badRequest(`limit must be a whole number from 1 to ${LIST_MAX}`);
    }
    let before: number | undefined;
    if (query.cursor !== undefined && query.cursor !== '') {
      before = Number(query.cursor);
      if (!/^\d{1,16}$/.test(query.cursor) || !Number.isSafeInteger(before)) {
        throw badRequest('cursor must be the next_cursor of a previous page');
      }
    }
    const rows = await this.files.listOwned(caller.appId, caller.userId, limit + 1, before);
    const files = rows.slice(0, limit);
    const last = files[files.length - 1];
    return { files, nextCursor: rows.length > limit && last ? String(last.id) : '' };
  }
}

/** Deletes one of the caller's own files, bytes first; another user's file, or none, is 404. */
export class DeleteFileUseCase {
  private readonly logger = new Logger('file');

  constructor(
    private readonly files: FileRepository,
    private readonly store: FileStore,
  ) {}

  async execute(caller: Caller, name: string): Promise<void> {
    if (!FILE_NAME.test(name)) throw notFound();
    const file = await this.files.findByName(name);
    if (!file || file.appId !== caller.appId || file.userId !== caller.userId) throw notFound();
    if (!(await this.store.delete(name))) this.logger.warn(`file ${name} had no bytes in the store`);
    await this.files.delete(file.id);
  }
}
