import { defaultMessage, ErrorCode } from './error-code';

/** An expected business outcome with its code; never logged as a failure. */
export class GimError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = defaultMessage(code),
  ) {
    super(message);
    this.name = 'GimError';
  }
}

/** A GimError with the BadRequest code. */
export function badRequest(message: string): GimError {
  return new GimError(ErrorCode.BadRequest, `bad request: ${message}`);
}
