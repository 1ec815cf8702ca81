import { ErrorCode, GimError } from '@gim/errors';

/** The file service's own outcomes (gim additions, 10600–10699), each with its HTTP status. */
export enum FileErrorCode {
  /** 404: no such file, or not one the caller may see or delete */
  NotFound = 10600,
  /** 413: the upload is over GIM_FILE_MAX_BYTES */
  TooLarge = 10601,
  /** 415: the bytes are of no type in GIM_FILE_ALLOWED_TYPES */
  TypeNotAllowed = 10602,
  /** 416: the Range header asks for bytes the file does not have */
  RangeNotSatisfiable = 10603,
  /** 507: the file store has no room left */
  StorageFull = 10604,
}

const DEFAULTS: Record<FileErrorCode, { status: number; message: string }> = {
  [FileErrorCode.NotFound]: { status: 404, message: 'file not found' },
  [FileErrorCode.TooLarge]: { status: 413, message: 'file too large' },
  [FileErrorCode.TypeNotAllowed]: { status: 415, message: 'this type of file is not accepted' },
  [FileErrorCode.RangeNotSatisfiable]: { status: 416, message: 'range not satisfiable' },
  [FileErrorCode.StorageFull]: { status: 507, message: 'no room left for files; retry later' },
};

/** An expected outcome of a file request; answered with its status and `{code, message}`, never logged. */
export class FileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string = DEFAULTS[code].message,
  ) {
    super(message);
    this.name = 'FileError';
  }

  /** The HTTP status the code is answered with. */
  get status(): number {
    return DEFAULTS[this.code].status;
  }
}

/** What an HTTP error reply carries. */
export interface ErrorReply {
  status: number;
  code: number;
  message: string;
}

function gimStatus(code: ErrorCode): number | undefined {
  if (code === ErrorCode.Unauthorized) return 401;
  if (code >= ErrorCode.TokenExpired && code <= ErrorCode.AppNotFound) return 401;
  if (code === ErrorCode.BadRequest) return 400;
  if (code === ErrorCode.Unavailable || code === ErrorCode.Busy) return 503;
  return undefined;
}

/** The reply of an expected failure (FileError, or a GimError the service answers with); undefined for a fault. */
export function errorReply(error: unknown): ErrorReply | undefined {
  if (error instanceof FileError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof GimError) {
    const status = gimStatus(error.code);
    return status === undefined ? undefined : { status, code: error.code, message: error.message };
  }
  return undefined;
}
