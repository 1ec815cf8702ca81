import { defaultMessage, ErrorCode, GimError } from '@gim/errors';

/** The file service's own outcomes: its codes in the one gim registry (@gim/errors, 10600–10699). */
export const FileErrorCode = {
  /** 404: no such file, or not one the caller may see or delete */
  NotFound: ErrorCode.FileNotFound,
  /** 413: the upload is over GIM_FILE_MAX_BYTES */
  TooLarge: ErrorCode.FileTooLarge,
  /** 415: the bytes are of no type in GIM_FILE_ALLOWED_TYPES */
  TypeNotAllowed: ErrorCode.FileTypeNotAllowed,
  /** 416: the Range header asks for bytes the file does not have */
  RangeNotSatisfiable: ErrorCode.FileRangeNotSatisfiable,
  /** 507: the file store has no room left */
  StorageFull: ErrorCode.FileStorageFull,
} as const;
/** One of the file service's own outcomes. */
export type FileErrorCode = (typeof FileErrorCode)[keyof typeof FileErrorCode];

/** The HTTP status each file outcome is answered with. */
const STATUS: Record<FileErrorCode, number> = {
  [ErrorCode.FileNotFound]: 404,
  [ErrorCode.FileTooLarge]: 413,
  [ErrorCode.FileTypeNotAllowed]: 415,
  [ErrorCode.FileRangeNotSatisfiable]: 416,
  [ErrorCode.FileStorageFull]: 507,
};

/** An expected outcome of a file request; answered with its status and `{code, message}`, never logged. */
export class FileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string = defaultMessage(code),
  ) {
    super(message);
    this.name = 'FileError';
  }

  /** The HTTP status the code is answered with. */
  get status(): number {
    return STATUS[this.code];
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
