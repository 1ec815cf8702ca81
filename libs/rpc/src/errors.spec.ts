import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, ServiceError } from '@grpc/grpc-js';
import { ErrorCode, GimError } from '@gim/errors';
import { GIM_CODE_KEY, GIM_RETRY_AFTER_KEY, gimErrorToGrpc, grpcErrorToGim } from './errors';

/** A failed call as grpc-js reports it to a client, from what a handler failed with. */
function received(failure: { code: number; details: string; metadata: Metadata }): ServiceError {
  return Object.assign(new Error(failure.details), failure);
}

void describe('gimErrorToGrpc / grpcErrorToGim', () => {
  void it('sends the business code as status and trailer, and no retry-after unless the error has one', () => {
    const failure = gimErrorToGrpc(new GimError(ErrorCode.BadVerificationCode));
    assert.equal(failure.code, ErrorCode.BadVerificationCode);
    assert.deepEqual(failure.metadata.get(GIM_CODE_KEY), ['10300']);
    assert.deepEqual(failure.metadata.get(GIM_RETRY_AFTER_KEY), []);
    const back = grpcErrorToGim(received(failure));
    assert.ok(back instanceof GimError);
    assert.equal(back.code, ErrorCode.BadVerificationCode);
    assert.equal(back.retryAfterSeconds, undefined);
  });

  void it('carries a retry-after as the gim-retry-after-seconds trailer and back', () => {
    const failure = gimErrorToGrpc(
      new GimError(ErrorCode.TooManyAttempts, 'too many sign-in attempts; retry after 42 s', {
        retryAfterSeconds: 42,
      }),
    );
    assert.deepEqual(failure.metadata.get(GIM_RETRY_AFTER_KEY), ['42']);
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
    const back = grpcErrorToGim(received({ code: ErrorCode.TooManyAttempts, details: 'x', metadata }));
    assert.ok(back instanceof GimError);
    assert.equal(back.retryAfterSeconds, undefined);
  });
});
