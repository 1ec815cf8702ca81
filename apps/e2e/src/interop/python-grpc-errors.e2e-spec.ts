// gRPC errors as a client that is not grpc-js sees them: Python's grpcio (python3-grpcio and python3-protobuf
// from Debian's packages; CI installs them) makes failing calls to a standalone gim from raw request bytes, and
// reports the status, the trailers and the google.rpc.Status in grpc-status-details-bin. By default gim answers
// canonical statuses; with GIM_GRPC_ERRORS=gim it answers the Go gim's numeric codes, which grpcio cannot name,
// and still sends the trailers. A bare grpc-js client checks the same calls from Node.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, credentials, Metadata, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { businessUserExt, logicMessageInt } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import { MessageCommand } from '@gim/protocol';
import { INTERNAL_METADATA_KEY } from '@gim/rpc';
import { assertGrpcFailure } from '@gim/testing';
import { DEV_CODE, type Deployment, startStandalone } from '../support/deployment';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'grpc_errors.py');

/** One call for the Python client: raw request bytes (hex) to a method, with metadata. */
interface RawCall {
  name: string;
  target: string;
  method: string;
  request: string;
  metadata: Array<[string, string]>;
}

/** What the Python client reports for a call (the script's JSON, snake_case as Python writes it). */
interface PythonResult {
  name: string;
  ok: boolean;
  code?: string;
  code_number?: number;
  details?: string;
  gim_code?: string | null;
  gim_retry_after_seconds?: string | null;
  status_details?: {
    code: number;
    message: string;
    details: Array<{
      type_url: string;
      error_info?: { reason: string; domain: string; metadata: Record<string, string> };
      retry_info?: { retry_delay_seconds: number };
    }>;
  } | null;
}

/** Runs the Python client on `calls`, by name; fails saying what to install when grpcio is missing. */
function runPython(calls: RawCall[]): Promise<Map<string, PythonResult>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) =>
      reject(
        new Error(
          `cannot run ${PYTHON} (${error.message}): this test needs Python 3 with python3-grpcio and python3-protobuf`,
        ),
      ),
    );
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${PYTHON} ${SCRIPT} exited with ${String(code)}:\n${stderr}`));
        return;
      }
      const results = JSON.parse(stdout) as PythonResult[];
      resolve(new Map(results.map((result) => [result.name, result])));
    });
    child.stdin.end(JSON.stringify({ calls }));
  });
}

/** The same call from a bare grpc-js client (raw bytes in and out): the failure exactly as it arrives. */
function nodeCall(call: RawCall): Promise<ServiceError> {
  const client = new Client(call.target, credentials.createInsecure());
  const metadata = new Metadata();
  for (const [key, value] of call.metadata) metadata.set(key, value);
  const raw = (bytes: Buffer): Buffer => bytes;
  return new Promise<ServiceError>((resolve, reject) =>
    client.makeUnaryRequest(call.method, raw, raw, Buffer.from(call.request, 'hex'), metadata, (error) =>
      error ? resolve(error) : reject(new Error(`${call.name}: the call succeeded`)),
    ),
  ).finally(() => client.close());
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Calls that fail in known ways: an Ext call with a wrong token, an Int call without credential, an unknown user, sign-ins up to the lock. */
function failingCalls(gim: Deployment, phoneNumber: string): RawCall[] {
  const business = `127.0.0.1:${gim.ports.business}`;
  const logic = `127.0.0.1:${gim.ports.logic}`;
  const signIn = (name: string, code: string): RawCall => ({
    name,
    target: business,
    method: '/business.UserExtService/SignIn',
    request: hex(
      businessUserExt.SignInRequest.encode({
        phoneNumber,
        code,
        device: {
          id: 0,
          type: 1,
          brand: 'python',
          model: 'grpcio',
          systemVersion: '3',
          sdkVersion: '1',
          branchPushId: '',
        },
      }).finish(),
    ),
    metadata: [],
  });
  return [
    {
      name: 'wrong token',
      target: business,
      method: '/business.UserExtService/GetUser',
      request: hex(businessUserExt.GetUserRequest.encode({ userId: 1 }).finish()),
      metadata: [
        ['user_id', '1'],
        ['device_id', '1'],
        ['token', 'not-a-token'],
      ],
    },
    {
      name: 'no internal credential',
      target: logic,
      method: '/logic.MessageIntService/PushToUsers',
      request: hex(
        logicMessageInt.PushToUsersRequest.encode({
          userIds: [1],
          command: MessageCommand.MC_USER_MESSAGE,
          content: Buffer.from('hello'),
          isPersist: false,
          appId: 0,
        }).finish(),
      ),
      metadata: [],
    },
    {
      name: 'unknown user',
      target: business,
      method: '/business.UserIntService/GetUser',
      request: hex(businessUserExt.GetUserRequest.encode({ userId: 987_654_321 }).finish()),
      metadata: [[INTERNAL_METADATA_KEY, gim.internalSecret]],
    },
    ...[1, 2, 3, 4, 5].map((miss) => signIn(`miss ${miss}`, '135790')),
    signIn('locked', DEV_CODE),
  ];
}

/** Asserts how Python saw one failure: status name, gim-code trailer, and gim's ErrorInfo. */
function assertPythonSaw(
  result: PythonResult | undefined,
  expected: { code: string; status: number; gimCode: ErrorCode; reason: string },
): void {
  assert.ok(result, 'the call was reported');
  assert.equal(result.ok, false, `${result.name}: expected a failure`);
  assert.equal(result.code, expected.code, `${result.name}: ${result.details ?? ''}`);
  assert.equal(result.gim_code, String(expected.gimCode), `${result.name}: the gim-code trailer`);
  const status = result.status_details;
  assert.ok(status, `${result.name}: grpc-status-details-bin holds a google.rpc.Status`);
  assert.equal(status.code, expected.status);
  assert.ok(result.details?.includes(status.message), `${result.name}: details ${result.details ?? ''}`);
  const info = status.details.find((detail) => detail.error_info !== undefined);
  assert.equal(info?.type_url, 'type.googleapis.com/google.rpc.ErrorInfo');
  assert.equal(info.error_info?.reason, expected.reason);
  assert.equal(info.error_info.domain, 'gim');
  assert.equal(info.error_info.metadata['code'], String(expected.gimCode));
}

void describe('gRPC errors seen from Python grpcio', { timeout: 180_000 }, () => {
  let canonical: Deployment;
  let gimMode: Deployment;

  before(async () => {
    [canonical, gimMode] = await Promise.all([
      startStandalone({ label: 'e2e-py' }),
      startStandalone({ label: 'e2e-py-gim', env: { GIM_GRPC_ERRORS: 'gim' } }),
    ]);
  });

  after(async () => {
    await canonical?.stop();
    await gimMode?.stop();
  });

  void it('sees canonical statuses by default, with the gim-code trailer and google.rpc.ErrorInfo', async () => {
    const calls = failingCalls(canonical, '13800000001');
    const seen = await runPython(calls);
    assertPythonSaw(seen.get('wrong token'), {
      code: 'UNAUTHENTICATED',
      status: GrpcStatus.UNAUTHENTICATED,
      gimCode: ErrorCode.Unauthorized,
      reason: 'UNAUTHORIZED',
    });
    assertPythonSaw(seen.get('no internal credential'), {
      code: 'UNAUTHENTICATED',
      status: GrpcStatus.UNAUTHENTICATED,
      gimCode: ErrorCode.Unauthorized,
      reason: 'UNAUTHORIZED',
    });
    assertPythonSaw(seen.get('unknown user'), {
      code: 'NOT_FOUND',
      status: GrpcStatus.NOT_FOUND,
      gimCode: ErrorCode.UserNotFound,
      reason: 'USER_NOT_FOUND',
    });
    assertPythonSaw(seen.get('miss 1'), {
      code: 'UNAUTHENTICATED',
      status: GrpcStatus.UNAUTHENTICATED,
      gimCode: ErrorCode.BadVerificationCode,
      reason: 'BAD_VERIFICATION_CODE',
    });
    const locked = seen.get('locked');
    assertPythonSaw(locked, {
      code: 'RESOURCE_EXHAUSTED',
      status: GrpcStatus.RESOURCE_EXHAUSTED,
      gimCode: ErrorCode.TooManyAttempts,
      reason: 'TOO_MANY_ATTEMPTS',
    });
    const wait = locked?.gim_retry_after_seconds;
    assert.match(String(wait), /^[1-9]\d*$/, 'the gim-retry-after-seconds trailer');
    const details = locked?.status_details?.details ?? [];
    assert.equal(
      details.find((detail) => detail.error_info)?.error_info?.metadata['retryAfterSeconds'],
      wait,
    );
    assert.deepEqual(
      details.find((detail) => detail.retry_info),
      {
        type_url: 'type.googleapis.com/google.rpc.RetryInfo',
        retry_info: { retry_delay_seconds: Number(wait) },
      },
    );

    const node = failingCalls(canonical, '13800000002');
    assertGrpcFailure(await nodeCall(node[0]!), {
      status: GrpcStatus.UNAUTHENTICATED,
      gimCode: ErrorCode.Unauthorized,
      reason: 'UNAUTHORIZED',
    });
    assertGrpcFailure(await nodeCall(node[2]!), {
      status: GrpcStatus.NOT_FOUND,
      gimCode: ErrorCode.UserNotFound,
      reason: 'USER_NOT_FOUND',
    });
  });

  void it('with GIM_GRPC_ERRORS=gim sees the code as the Go gim sends it, and still the trailers', async () => {
    const seen = await runPython(failingCalls(gimMode, '13800000003'));
    // grpcio has no name for a status above 16: it says UNKNOWN, and only the trailers carry the code.
    const unknown = seen.get('unknown user');
    assert.match(String(unknown?.details), /unknown code/);
    assertPythonSaw(unknown, {
      code: 'UNKNOWN',
      status: ErrorCode.UserNotFound,
      gimCode: ErrorCode.UserNotFound,
      reason: 'USER_NOT_FOUND',
    });
    assertPythonSaw(seen.get('no internal credential'), {
      code: 'UNKNOWN',
      status: ErrorCode.Unauthorized,
      gimCode: ErrorCode.Unauthorized,
      reason: 'UNAUTHORIZED',
    });
    assert.equal(seen.get('locked')?.gim_code, String(ErrorCode.TooManyAttempts));
    assert.match(String(seen.get('locked')?.gim_retry_after_seconds), /^[1-9]\d*$/);

    const node = failingCalls(gimMode, '13800000004');
    assertGrpcFailure(await nodeCall(node[2]!), {
      status: ErrorCode.UserNotFound,
      gimCode: ErrorCode.UserNotFound,
      reason: 'USER_NOT_FOUND',
    });
    assertGrpcFailure(await nodeCall(node[1]!), {
      status: ErrorCode.Unauthorized,
      gimCode: ErrorCode.Unauthorized,
      reason: 'UNAUTHORIZED',
    });
  });
});
