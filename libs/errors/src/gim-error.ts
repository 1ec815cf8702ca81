import { defaultMessage, ErrorCode } from './error-code';

/** What a GimError may carry besides its code and message. */
export interface GimErrorOptions {
  /** seconds after which the caller may try again (sent as the `gim-retry-after-seconds` gRPC trailer) */
  retryAfterSeconds?: number;
}

/** An expected business outcome with its code; never logged as a failure. */
export class GimError extends Error {
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string = defaultMessage(code),
    options: GimErrorOptions = {},
  ) {
    super(message);
    this.name = 'GimError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A GimError with the BadRequest code. */
export function badRequest(message: string): GimError {
  return new GimError(ErrorCode.BadRequest, `bad request: ${message}`);
}

/** A dependency's failure as a retryable GimError (10500) naming `what` failed; a GimError passes through. */
export function unavailable(what: string, error: unknown): GimError {
  if (error instanceof GimError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new GimError(ErrorCode.Unavailable, `${what} unavailable: ${detail}`);
}
