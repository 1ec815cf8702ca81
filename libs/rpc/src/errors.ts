import { Metadata, ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { googleRpcErrorDetails, googleRpcStatus } from '@gim/contracts';
import { ErrorCode, GimError, isErrorCode } from '@gim/errors';
import { CANONICAL_ERRORS } from './canonical-errors';

/** Trailer that repeats the business code, for clients whose gRPC library hides non-standard status codes. */
export const GIM_CODE_KEY = 'gim-code';

/** Trailer telling the caller how many seconds to wait before retrying, when the error says so. */
export const GIM_RETRY_AFTER_KEY = 'gim-retry-after-seconds';

/** The standard trailer holding a serialized google.rpc.Status with the error's details. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** google.rpc.ErrorInfo.domain of every gim error. */
export const GIM_ERROR_DOMAIN = 'gim';

/** google.protobuf.Any type URL of a google.rpc.ErrorInfo detail. */
export const ERROR_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.ErrorInfo';

/** google.protobuf.Any type URL of a google.rpc.RetryInfo detail. */
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** How a failed call carries its gim code: a canonical gRPC status (default) or the code as the status (Go gim). */
export type GrpcErrorMode = 'canonical' | 'gim';

/** The GIM_GRPC_ERRORS setting as a mode; throws for any other value. */
export function grpcErrorMode(setting: string): GrpcErrorMode {
  if (setting === 'canonical' || setting === 'gim') return setting;
  throw new Error(`GIM_GRPC_ERRORS must be canonical or gim, not ${JSON.stringify(setting)}`);
}

/** The error object a gRPC handler fails with: status code, details and trailers. */
export interface GrpcErrorObject {
  code: number;
  details: string;
  metadata: Metadata;
}

/**
 * Maps a GimError to its gRPC failure: the canonical status of its code (or, in 'gim' mode, the code itself as
 * in the Go gim), with the code in the gim-code trailer, any retry-after in gim-retry-after-seconds, and a
 * google.rpc.Status (ErrorInfo, RetryInfo) in grpc-status-details-bin.
 */
export function gimErrorToGrpc(error: GimError, mode: GrpcErrorMode = 'canonical'): GrpcErrorObject {
  const { status, reason } = CANONICAL_ERRORS[error.code];
  const code = mode === 'canonical' ? status : error.code;
  const gimCode = String(error.code);
  const metadata = new Metadata();
  metadata.set(GIM_CODE_KEY, gimCode);
  const info: googleRpcErrorDetails.ErrorInfo = {
    reason,
    domain: GIM_ERROR_DOMAIN,
    metadata: { code: gimCode },
  };
  const retryAfter = error.retryAfterSeconds;
  if (retryAfter !== undefined) {
    metadata.set(GIM_RETRY_AFTER_KEY, String(retryAfter));
    info.metadata['retryAfterSeconds'] = String(retryAfter);
  }
  const details: googleRpcStatus.Status['details'] = [
    { typeUrl: ERROR_INFO_TYPE_URL, value: googleRpcErrorDetails.ErrorInfo.encode(info).finish() },
  ];
  if (retryAfter !== undefined) {
    const retry = { retryDelay: { seconds: Math.ceil(retryAfter), nanos: 0 } };
    details.push({
      typeUrl: RETRY_INFO_TYPE_URL,
      value: googleRpcErrorDetails.RetryInfo.encode(retry).finish(),
    });
  }
  const rich = googleRpcStatus.Status.encode({ code, message: error.message, details }).finish();
  metadata.set(STATUS_DETAILS_KEY, rich);
  return { code, details: error.message, metadata };
}

/** What a failed call's grpc-status-details-bin trailer holds, decoded. */
export interface StatusDetails {
  /** google.rpc.Status.code: the status the call failed with */
  code: number;
  /** google.rpc.Status.message */
  message: string;
  /** the first google.rpc.ErrorInfo detail, if any */
  errorInfo: googleRpcErrorDetails.ErrorInfo | undefined;
  /** google.rpc.RetryInfo's delay in seconds, if any */
  retryDelaySeconds: number | undefined;
}

/** Decodes the google.rpc.Status in a failed call's trailers; undefined when there is none or it does not decode. */
export function statusDetailsOf(metadata: Metadata | undefined): StatusDetails | undefined {
  const [bytes] = metadata?.get(STATUS_DETAILS_KEY) ?? [];
  if (!Buffer.isBuffer(bytes)) return undefined;
  try {
    const status = googleRpcStatus.Status.decode(bytes);
    const info = status.details.find((any) => any.typeUrl === ERROR_INFO_TYPE_URL);
    const retry = status.details.find((any) => any.typeUrl === RETRY_INFO_TYPE_URL);
    const delay = retry ? googleRpcErrorDetails.RetryInfo.decode(retry.value).retryDelay : undefined;
    return {
      code: status.code,
      message: status.message,
      errorInfo: info ? googleRpcErrorDetails.ErrorInfo.decode(info.value) : undefined,
      retryDelaySeconds: delay ? delay.seconds + delay.nanos / 1e9 : undefined,
    };
  } catch {
    return undefined;
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

/** The first value of a text trailer as a number; NaN when absent. */
function trailerNumber(metadata: Metadata | undefined, key: string): number {
  const [value] = metadata?.get(key) ?? [];
  return typeof value === 'string' ? Number(value) : NaN;
}

/**
 * Turns a failed outgoing call into the error the caller should see: a gim code (from the gim-code trailer, else
 * gim's ErrorInfo in grpc-status-details-bin, else the status code itself as a Go gim sends it) becomes GimError
 * again, an unreachable or timed-out service becomes GimError(Unavailable); anything else is returned unchanged.
 */
export function grpcErrorToGim(error: unknown): unknown {
  if (!isServiceError(error)) return error;
  const info = statusDetailsOf(error.metadata)?.errorInfo;
  const infoMetadata = info?.domain === GIM_ERROR_DOMAIN ? info.metadata : {};
  const code = [trailerNumber(error.metadata, GIM_CODE_KEY), Number(infoMetadata['code']), error.code].find(
    isErrorCode,
  );
  if (code !== undefined) {
    const retryAfterSeconds = [
      trailerNumber(error.metadata, GIM_RETRY_AFTER_KEY),
      Number(infoMetadata['retryAfterSeconds']),
    ].find((seconds) => Number.isFinite(seconds) && seconds >= 0);
    return new GimError(code, error.details, { retryAfterSeconds });
  }
  if (error.code === GrpcStatus.UNAVAILABLE || error.code === GrpcStatus.DEADLINE_EXCEEDED) {
    return new GimError(ErrorCode.Unavailable, `dependency unavailable: ${error.details}`);
  }
  return error;
}
