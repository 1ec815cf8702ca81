import assert from 'node:assert/strict';
import { type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { googleRpcErrorDetails, googleRpcStatus } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';

/** What a raw gRPC failure should show any client (grpc-js, grpcio, grpc-java, …). */
export interface ExpectedGrpcFailure {
  /** the status code: the canonical one, or the gim code itself for GIM_GRPC_ERRORS=gim */
  status: number;
  /** the gim code, in the gim-code trailer and in google.rpc.ErrorInfo's metadata */
  gimCode: ErrorCode;
  /** google.rpc.ErrorInfo.reason, e.g. USER_NOT_FOUND */
  reason: string;
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

/**
 * Asserts that a call failed, as a bare gRPC client sees it, with `status`, the gim-code trailer and gim's
 * google.rpc.ErrorInfo in grpc-status-details-bin (decoded here from the wire, not with @gim/rpc's own reader).
 * Returns true, for assert.rejects.
 */
export function assertGrpcFailure(error: unknown, expected: ExpectedGrpcFailure): true {
  assert.ok(isServiceError(error), `expected a gRPC failure, got ${String(error)}`);
  const name = (code: number): string => GrpcStatus[code] ?? String(code);
  assert.equal(
    error.code,
    expected.status,
    `status ${name(error.code)}, expected ${name(expected.status)}: ${error.details}`,
  );
  assert.deepEqual(error.metadata.get('gim-code'), [String(expected.gimCode)], 'the gim-code trailer');
  const [bytes] = error.metadata.get('grpc-status-details-bin');
  assert.ok(Buffer.isBuffer(bytes), 'a grpc-status-details-bin trailer');
  const status = googleRpcStatus.Status.decode(bytes);
  assert.equal(status.code, expected.status, 'google.rpc.Status.code repeats the status');
  assert.equal(status.message, error.details);
  const info = status.details.find((any) => any.typeUrl === 'type.googleapis.com/google.rpc.ErrorInfo');
  assert.ok(info, 'a google.rpc.ErrorInfo detail');
  const errorInfo = googleRpcErrorDetails.ErrorInfo.decode(info.value);
  assert.equal(errorInfo.domain, 'gim');
  assert.equal(errorInfo.reason, expected.reason);
  assert.equal(errorInfo.metadata['code'], String(expected.gimCode));
  return true;
}
