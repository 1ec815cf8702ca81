import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { ErrorCode, GimError } from '@gim/errors';
import { firstValueFrom } from 'rxjs';
import { GIM_CODE_KEY, GrpcErrorObject, STATUS_DETAILS_KEY, statusDetailsOf } from './errors';
import { GrpcExceptionFilter } from './exception.filter';
import { metadataString, REQUEST_ID_KEY } from './metadata';

const PATH = '/logic.MessageIntService/SendUserMessage';

/** The arguments Nest hands a gRPC handler's filter: request, metadata, call. */
function rpcHost(requestId?: string): ExecutionContextHost {
  const metadata = new Metadata();
  if (requestId) metadata.set(REQUEST_ID_KEY, requestId);
  const host = new ExecutionContextHost([{}, metadata, { getPath: () => PATH }]);
  host.setType('rpc');
  return host;
}

/** What the filter makes the call fail with. */
async function failureOf(
  filter: GrpcExceptionFilter,
  exception: unknown,
  host = rpcHost(),
): Promise<GrpcErrorObject> {
  return firstValueFrom(filter.catch(exception, host)).then(
    () => assert.fail('the filter must fail the call'),
    (failure: GrpcErrorObject) => failure,
  );
}

void describe('GrpcExceptionFilter', () => {
  let logged: string[];
  let filter: GrpcExceptionFilter;

  beforeEach(() => {
    logged = [];
    const record = (line: unknown) => logged.push(String(line));
    Logger.overrideLogger({ log: record, warn: record, error: record });
    filter = new GrpcExceptionFilter('canonical');
  });

  afterEach(() => {
    Logger.overrideLogger(new ConsoleLogger());
  });

  void it('fails a GimError with its canonical status, message, gim-code trailer and ErrorInfo, without logging it', async () => {
    const failure = await failureOf(
      filter,
      new GimError(ErrorCode.UserNotFound, 'user not found: 42'),
      rpcHost('r-1'),
    );
    assert.equal(failure.code, GrpcStatus.NOT_FOUND);
    assert.equal(failure.details, 'user not found: 42');
    assert.equal(metadataString(failure.metadata, GIM_CODE_KEY), '10301');
    assert.equal(statusDetailsOf(failure.metadata)?.errorInfo?.reason, 'USER_NOT_FOUND');
    assert.deepEqual(logged, []);
  });

  void it('with GIM_GRPC_ERRORS=gim fails a GimError with its code as the status, as the Go gim does', async () => {
    const failure = await failureOf(
      new GrpcExceptionFilter('gim'),
      new GimError(ErrorCode.UserNotFound, 'user not found: 42'),
    );
    assert.equal(failure.code, ErrorCode.UserNotFound);
    assert.equal(metadataString(failure.metadata, GIM_CODE_KEY), '10301');
    assert.equal(statusDetailsOf(failure.metadata)?.code, ErrorCode.UserNotFound);
  });

  void it('refuses a setting other than canonical or gim', () => {
    assert.throws(() => new GrpcExceptionFilter('numeric'), /GIM_GRPC_ERRORS must be canonical or gim/);
  });

  void it("fails anything else with INTERNAL and 'internal error', hiding the cause from the caller", async () => {
    const failure = await failureOf(filter, new Error('secret table name in a SQL error'), rpcHost('r-2'));
    assert.equal(failure.code, GrpcStatus.INTERNAL);
    assert.equal(failure.details, 'internal error');
    assert.equal(metadataString(failure.metadata, GIM_CODE_KEY), '');
    assert.deepEqual(failure.metadata.get(STATUS_DETAILS_KEY), []);
  });

  void it('logs such a failure once, with the method, the request id and the stack', async () => {
    await failureOf(filter, new TypeError('cannot read properties of undefined'), rpcHost('req-77'));
    assert.equal(logged.length, 1, logged.join('\n'));
    const [line] = logged;
    assert.ok(line?.includes(PATH), line);
    assert.ok(line?.includes('request_id=req-77'), line);
    assert.match(line ?? '', /TypeError: cannot read properties of undefined\n\s+at /);
  });

  void it('logs a thrown non-Error and a call without request id too', async () => {
    const failure = await failureOf(filter, 'plain string');
    assert.equal(failure.code, GrpcStatus.INTERNAL);
    assert.equal(logged.length, 1);
    assert.match(logged[0] ?? '', /\(request_id=-\): plain string$/);
  });
});
