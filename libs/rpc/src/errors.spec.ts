import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { ErrorCode, GimError } from '@gim/errors';
import {
  ERROR_INFO_TYPE_URL,
  GIM_CODE_KEY,
  GIM_RETRY_AFTER_KEY,
  gimErrorToGrpc,
  grpcErrorMode,
  grpcErrorToGim,
  RETRY_INFO_TYPE_URL,
  STATUS_DETAILS_KEY,
  statusDetailsOf,
} from './errors';

/** A failed call as grpc-js reports it to a client, from what a handler failed with. */
function received(failure: { code: number; details: string; metadata: Metadata }): ServiceError {
  return Object.assign(new Error(failure.details), failure);
}

/** One protobuf field, encoded by hand: the tag, then a varint or a length-delimited value. */
function field(number: number, value: number | string | Buffer): Buffer {
  const varint = (n: number): number[] => {
    const bytes: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) bytes.push((n % 128) | 0x80);
    return [...bytes, n];
  };
  if (typeof value === 'number') return Buffer.from([...varint(number * 8), ...varint(value)]);
  const bytes = Buffer.from(value);
  return Buffer.concat([Buffer.from([...varint(number * 8 + 2), ...varint(bytes.length)]), bytes]);
}

void describe('gimErrorToGrpc / grpcErrorToGim', () => {
  void it('answers a canonical status, with the gim code in a trailer and no retry-after unless the error has one', () => {
    const failure = gimErrorToGrpc(new GimError(ErrorCode.BadVerificationCode), 'canonical');
    assert.equal(failure.code, GrpcStatus.UNAUTHENTICATED);
    assert.equal(failure.details, 'bad verification code');
    assert.deepEqual(failure.metadata.get(GIM_CODE_KEY), ['10300']);
    assert.deepEqual(failure.metadata.get(GIM_RETRY_AFTER_KEY), []);
    assert.deepEqual(statusDetailsOf(failure.metadata), {
      code: GrpcStatus.UNAUTHENTICATED,
      message: 'bad verification code',
      errorInfo: { reason: 'BAD_VERIFICATION_CODE', domain: 'gim', metadata: { code: '10300' } },
      retryDelaySeconds: undefined,
    });
    const back = grpcErrorToGim(received(failure));
    assert.ok(back instanceof GimError);
    assert.equal(back.code, ErrorCode.BadVerificationCode);
    assert.equal(back.retryAfterSeconds, undefined);
  });

  void it('is canonical unless told otherwise', () => {
    assert.equal(gimErrorToGrpc(new GimError(ErrorCode.UserNotFound)).code, GrpcStatus.NOT_FOUND);
  });

  void it("in 'gim' mode answers the code itself as the status (the Go gim's way), with the same trailers", () => {
    const failure = gimErrorToGrpc(new GimError(ErrorCode.UserNotFound, 'user 9 not found'), 'gim');
    assert.equal(failure.code, ErrorCode.UserNotFound);
    assert.deepEqual(failure.metadata.get(GIM_CODE_KEY), ['10301']);
    const details = statusDetailsOf(failure.metadata);
    assert.equal(details?.code, ErrorCode.UserNotFound, 'google.rpc.Status.code matches grpc-status');
    assert.equal(details?.errorInfo?.reason, 'USER_NOT_FOUND');
    const back = grpcErrorToGim(received(failure));
    assert.ok(back instanceof GimError);
    assert.equal(back.code, ErrorCode.UserNotFound);
    assert.equal(back.message, 'user 9 not found');
  });

  void it('writes google.rpc.Status, Any and ErrorInfo with their official field numbers', () => {
    const failure = gimErrorToGrpc(new GimError(ErrorCode.UserNotFound, 'no'), 'canonical');
    const errorInfo = Buffer.concat([
      field(1, 'USER_NOT_FOUND'),
      field(2, 'gim'),
      field(3, Buffer.concat([field(1, 'code'), field(2, '10301')])),
    ]);
    const any = Buffer.concat([field(1, 'type.googleapis.com/google.rpc.ErrorInfo'), field(2, errorInfo)]);
    const expected = Buffer.concat([field(1, GrpcStatus.NOT_FOUND), field(2, 'no'), field(3, any)]);
    assert.deepEqual(failure.metadata.get(STATUS_DETAILS_KEY), [expected]);
  });

  void it('carries a retry-after in its trailer, in ErrorInfo and as RetryInfo, and back', () => {
    const failure = gimErrorToGrpc(
      new GimError(ErrorCode.TooManyAttempts, 'too many sign-in attempts; retry after 42 s', {
        retryAfterSeconds: 42,
      }),
      'canonical',
    );
    assert.equal(failure.code, GrpcStatus.RESOURCE_EXHAUSTED);
    assert.deepEqual(failure.metadata.get(GIM_RETRY_AFTER_KEY), ['42']);
    const details = statusDetailsOf(failure.metadata);
    assert.deepEqual(details?.errorInfo?.metadata, { code: '10302', retryAfterSeconds: '42' });
    assert.equal(details?.retryDelaySeconds, 42);
    const [rich] = failure.metadata.get(STATUS_DETAILS_KEY);
    const retryInfo = field(1, Buffer.concat([field(1, 42)]));
    assert.ok(
      Buffer.isBuffer(rich) &&
        rich.includes(Buffer.concat([field(1, RETRY_INFO_TYPE_URL), field(2, retryInfo)])),
      'RetryInfo{retry_delay: Duration{seconds: 42}} is packed in an Any',
    );
    const back = grpcErrorToGim(received(failure));
    assert.ok(back instanceof GimError);
    assert.equal(back.code, ErrorCode.TooManyAttempts);
    assert.equal(back.message, 'too many sign-in attempts; retry after 42 s');
    assert.equal(back.retryAfterSeconds, 42);
  });

  void it('ignores a retry-after trailer that is not a number', () => {
    const metadata = new Metadata();
    metadata.set(GIM_CODE_KEY, String(ErrorCode.TooManyAttempts));
    metadata.set(GIM_RETRY_AFTER_KEY, 'soon');
    const back = grpcErrorToGim(received({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'x', metadata }));
    assert.ok(back instanceof GimError);
    assert.equal(back.code, ErrorCode.TooManyAttempts);
    assert.equal(back.retryAfterSeconds, undefined);
  });

  void it('reads the gim code from the trailer before the status: a Busy answered UNAVAILABLE stays Busy', () => {
    const failure = gimErrorToGrpc(new GimError(ErrorCode.Busy), 'canonical');
    assert.equal(failure.code, GrpcStatus.UNAVAILABLE);
    const back = grpcErrorToGim(received(failure));
    assert.ok(back instanceof GimError);
    assert.equal(back.code, ErrorCode.Busy);
  });

  void it("falls back to gim's ErrorInfo when the gim-code trailer is missing, and ignores other domains", () => {
    const failure = gimErrorToGrpc(
      new GimError(ErrorCode.TooManyAttempts, 'wait', { retryAfterSeconds: 7 }),
      'canonical',
    );
    const onlyDetails = new Metadata();
    onlyDetails.set(STATUS_DETAILS_KEY, failure.metadata.get(STATUS_DETAILS_KEY)[0]!);
    const back = grpcErrorToGim(received({ ...failure, metadata: onlyDetails }));
    assert.ok(back instanceof GimError);
    assert.equal(back.code, ErrorCode.TooManyAttempts);
    assert.equal(back.retryAfterSeconds, 7);

    const foreign = Buffer.concat([
      field(1, GrpcStatus.NOT_FOUND),
      field(
        3,
        Buffer.concat([
          field(1, ERROR_INFO_TYPE_URL),
          field(
            2,
            Buffer.concat([
              field(1, 'X'),
              field(2, 'example.com'),
              field(3, Buffer.concat([field(1, 'code'), field(2, '10301')])),
            ]),
          ),
        ]),
      ),
    ]);
    const metadata = new Metadata();
    metadata.set(STATUS_DETAILS_KEY, foreign);
    const notOurs = received({ code: GrpcStatus.NOT_FOUND, details: 'x', metadata });
    assert.equal(grpcErrorToGim(notOurs), notOurs);
  });

  void it('understands a Go gim server: the code as the status and no trailers', () => {
    const back = grpcErrorToGim(
      received({ code: ErrorCode.GroupNotFound, details: 'group not found', metadata: new Metadata() }),
    );
    assert.ok(back instanceof GimError);
    assert.equal(back.code, ErrorCode.GroupNotFound);
  });

  void it('turns an unreachable or too slow service into 10500 and leaves other failures alone', () => {
    for (const code of [GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED]) {
      const back = grpcErrorToGim(
        received({ code, details: 'No connection established', metadata: new Metadata() }),
      );
      assert.ok(back instanceof GimError, GrpcStatus[code]);
      assert.equal(back.code, ErrorCode.Unavailable);
      assert.match(back.message, /^dependency unavailable: No connection established$/);
    }
    const internal = received({
      code: GrpcStatus.INTERNAL,
      details: 'internal error',
      metadata: new Metadata(),
    });
    assert.equal(grpcErrorToGim(internal), internal);
    const broken = new Metadata();
    broken.set(STATUS_DETAILS_KEY, Buffer.from([0xff, 0xff]));
    const tooLarge = received({
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      details: 'too large',
      metadata: broken,
    });
    assert.equal(grpcErrorToGim(tooLarge), tooLarge, 'undecodable details are ignored');
    const plain = new Error('not a gRPC failure');
    assert.equal(grpcErrorToGim(plain), plain);
  });

  void it('reads the GIM_GRPC_ERRORS setting', () => {
    assert.equal(grpcErrorMode('canonical'), 'canonical');
    assert.equal(grpcErrorMode('gim'), 'gim');
    assert.throws(() => grpcErrorMode('go'), /GIM_GRPC_ERRORS must be canonical or gim/);
  });
});
