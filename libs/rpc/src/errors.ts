import { Metadata, ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { ErrorCode, GimError, isErrorCode } from '@gim/errors';

/** Trailer that repeats the business code, for clients whose gRPC library hides non-standard status codes. */
export const GIM_CODE_KEY = 'gim-code';

/** Trailer telling the caller how many seconds to wait before retrying, when the error says so. */
export const GIM_RETRY_AFTER_KEY = 'gim-retry-after-seconds';

/** The error object a gRPC handler fails with: status code, details and trailers. */
export interface GrpcErrorObject {
  code: number;
  details: string;
  metadata: Metadata;
}

/** Maps a GimError to its gRPC failure: the business code is the status code (as in the Go gim) and a trailer. */
export function gimErrorToGrpc(error: GimError): GrpcErrorObject {
  const metadata = new Metadata();
  metadata.set(GIM_CODE_KEY, String(error.code));
  if (error.retryAfterSeconds !== undefined) {
    metadata.set(GIM_RETRY_AFTER_KEY, String(error.retryAfterSeconds));
  }
  return { code: error.code, details: error.message, metadata };
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

/**
 * Turns a failed outgoing call into the error the caller should see: business codes become GimError again,
 * an unreachable or timed-out service becomes GimError(Unavailable); anything else is returned unchanged.
 */
export function grpcErrorToGim(error: unknown): unknown {
  if (!isServiceError(error)) return error;
  const trailer = Number(error.metadata?.get(GIM_CODE_KEY)[0]);
  const code = isErrorCode(trailer) ? trailer : error.code;
  if (isErrorCode(code)) {
    const retryAfter = Number(error.metadata?.get(GIM_RETRY_AFTER_KEY)[0]);
    const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
    return new GimError(code, error.details, { retryAfterSeconds });
  }
  if (code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED) {
    return new GimError(ErrorCode.Unavailable, `dependency unavailable: ${error.details}`);
  }
  return error;
}
