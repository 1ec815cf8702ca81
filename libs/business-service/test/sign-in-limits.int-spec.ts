// Sign-in attempt limits over real gRPC, with the attempt counters in Redis (GIM_TEST_REDIS_URL, a prefix of
// its own) and in memory, the users in a SQLite file and an in-test stand-in for logic.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { credentials, loadPackageDefinition, ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Redis } from 'ioredis';
import { loadConfig } from '@gim/config';
import { businessUserExt, PROTO_LOADER_OPTIONS, protoFiles, protoRoot } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { createGrpcClient, GIM_RETRY_AFTER_KEY, GrpcClient, statusDetailsOf } from '@gim/rpc';
import { assertGrpcFailure, freePort, tempDir, TempDir, testRedisUrl, uniquePrefix } from '@gim/testing';
import { BusinessConfig, BusinessHandle, startBusiness } from '../src/index';
import { RecordingCodeVerifier } from './fakes';
import { LogicTestDouble, startLogicTestDouble } from './logic-test-double';
import { deleteKeysUnder } from './redis-keys';

const INTERNAL_SECRET = 'sign-in-limits-int-spec-secret';
const CODE = '246810';
const WRONG = '135790';
const USER_EXT = ['business/user.ext.proto'];

const device = {
  id: 0,
  type: 1,
  brand: 'acme',
  model: 'x1',
  systemVersion: '14',
  sdkVersion: '1.0',
  branchPushId: '',
};

const failsWith =
  (code: ErrorCode, pattern = /./) =>
  (error: unknown) => {
    assert.ok(error instanceof GimError, `expected a GimError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  };

const tooManyAttempts = (maxSeconds: number) => (error: unknown) => {
  failsWith(ErrorCode.TooManyAttempts, /^too many sign-in attempts; retry after \d+ s$/)(error);
  const { retryAfterSeconds, message } = error as GimError;
  assert.ok(
    retryAfterSeconds !== undefined && retryAfterSeconds >= 1 && retryAfterSeconds <= maxSeconds,
    `retry after ${String(retryAfterSeconds)}`,
  );
  assert.equal(message, `too many sign-in attempts; retry after ${retryAfterSeconds} s`);
  return true;
};

let phoneCounter = 0;
const newPhone = (): string => `1390000${String(++phoneCounter).padStart(4, '0')}`;

type SignInCall = (request: object, callback: (error: ServiceError | null) => void) => void;

/** SignIn through a bare grpc-js client, to see the status and trailers exactly as any client gets them. */
async function rawSignIn(address: string, request: object): Promise<ServiceError> {
  const definition = loadSync(protoFiles(...USER_EXT), {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [protoRoot()],
  });
  const business = loadPackageDefinition(definition)['business'] as unknown as Record<
    string,
    new (
      address: string,
      creds: ReturnType<typeof credentials.createInsecure>,
    ) => {
      SignIn: SignInCall;
      close(): void;
    }
  >;
  const Service = business['UserExtService']!;
  const client = new Service(address, credentials.createInsecure());
  try {
    return await new Promise<ServiceError>((resolve, reject) =>
      client.SignIn(request, (error) =>
        error ? resolve(error) : reject(new Error('SignIn succeeded; a refusal was expected')),
      ),
    );
  } finally {
    client.close();
  }
}

for (const limiter of ['redis', 'memory'] as const)
  void describe(`sign-in attempt limits over gRPC (${limiter} counters)`, { timeout: 60_000 }, () => {
    const prefix = uniquePrefix(`business-signin-${limiter}`);
    let data: TempDir;
    let logic: LogicTestDouble;
    const running: BusinessHandle[] = [];
    const clients: { close(): void }[] = [];

    async function boot(env: Record<string, string>, verifier = new RecordingCodeVerifier(CODE)) {
      const port = await freePort();
      const config = loadConfig(BusinessConfig, {
        NODE_ENV: 'test',
        GIM_LOG_LEVEL: 'error',
        GIM_BUSINESS_GRPC_URL: `127.0.0.1:${port}`,
        GIM_OPS_LISTEN: '127.0.0.1:0',
        GIM_BUSINESS_DB_URL: `sqlite:${data.path}/business-${port}.db`,
        GIM_LOGIC_GRPC_ADDR: logic.address,
        GIM_SIGN_IN_LIMITER: limiter,
        GIM_REDIS_URL: testRedisUrl(),
        GIM_REDIS_PREFIX: prefix,
        ...env,
      });
      running.push(await startBusiness(config, { internalSecret: INTERNAL_SECRET, codeVerifier: verifier }));
      const address = `127.0.0.1:${port}`;
      const userExt: GrpcClient<businessUserExt.UserExtServiceClient> = createGrpcClient({
        address,
        files: USER_EXT,
        service: 'business.UserExtService',
      });
      clients.push(userExt);
      const signIn = (phoneNumber: string, code: string) => userExt.signIn({ phoneNumber, code, device });
      return { address, verifier, signIn };
    }

    before(async () => {
      data = await tempDir('business-signin');
      logic = await startLogicTestDouble(INTERNAL_SECRET);
    });

    after(async () => {
      for (const client of clients) client.close();
      for (const handle of running) await handle.close();
      await logic?.close();
      await data?.remove();
      await deleteKeysUnder(prefix);
    });

    void it('locks a phone after 5 misses, even for the right code; limits the address; a success resets the phone', async () => {
      const { address, verifier, signIn } = await boot({ GIM_SIGN_IN_MAX_MISSES_PER_ADDRESS: '12' });
      const alice = newPhone();
      for (let miss = 1; miss <= 5; miss++) {
        await assert.rejects(signIn(alice, WRONG), failsWith(ErrorCode.BadVerificationCode));
      }
      assert.deepEqual(verifier.invalidated, [alice], 'the 5th miss dropped the outstanding code');
      await assert.rejects(signIn(alice, CODE), tooManyAttempts(900));
      assert.equal(verifier.verified.length, 5, 'a locked phone’s code is not checked');

      const raw = await rawSignIn(address, { phoneNumber: alice, code: CODE, device });
      assertGrpcFailure(raw, {
        status: GrpcStatus.RESOURCE_EXHAUSTED,
        gimCode: ErrorCode.TooManyAttempts,
        reason: 'TOO_MANY_ATTEMPTS',
      });
      const [retryAfter] = raw.metadata.get(GIM_RETRY_AFTER_KEY);
      assert.match(String(retryAfter), /^\d+$/);
      assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 900);
      const details = statusDetailsOf(raw.metadata);
      assert.equal(details?.retryDelaySeconds, Number(retryAfter), 'google.rpc.RetryInfo says the same wait');
      assert.equal(details.errorInfo?.metadata['retryAfterSeconds'], String(retryAfter));
      assert.equal(raw.details, `too many sign-in attempts; retry after ${String(retryAfter)} s`);

      if (limiter === 'redis') {
        const redis = new Redis(testRedisUrl());
        try {
          assert.equal(await redis.get(`${prefix}signin:phone:${alice}`), '5');
          assert.ok((await redis.pttl(`${prefix}signin:addr:127.0.0.1`)) > 0);
        } finally {
          redis.disconnect();
        }
      }

      // Same address, another phone: works until the address has 12 misses (5 so far).
      const bob = newPhone();
      for (let miss = 0; miss < 2; miss++) {
        await assert.rejects(signIn(bob, WRONG), failsWith(ErrorCode.BadVerificationCode));
      }
      assert.equal((await signIn(bob, CODE)).isNew, true);
      for (let miss = 0; miss < 4; miss++) {
        await assert.rejects(signIn(bob, WRONG), failsWith(ErrorCode.BadVerificationCode));
      }
      assert.equal((await signIn(bob, CODE)).isNew, false, 'the success before had reset bob’s misses');

      const carol = newPhone();
      await assert.rejects(signIn(carol, WRONG), failsWith(ErrorCode.BadVerificationCode));
      await assert.rejects(signIn(carol, CODE), tooManyAttempts(900));
      assert.deepEqual(verifier.invalidated, [alice], 'an address limit drops no code');
    });

    void it('lifts the lock when the window ends', async () => {
      const { signIn } = await boot({ GIM_SIGN_IN_WINDOW_SECONDS: '1' });
      const dave = newPhone();
      for (let miss = 0; miss < 5; miss++) {
        await assert.rejects(signIn(dave, WRONG), failsWith(ErrorCode.BadVerificationCode));
      }
      await assert.rejects(signIn(dave, CODE), tooManyAttempts(1));
      await sleep(1100);
      assert.equal((await signIn(dave, CODE)).isNew, true);
    });

    if (limiter === 'redis')
      void it('answers 10500 while Redis is unreachable', async () => {
        const { signIn } = await boot({ GIM_REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
        await assert.rejects(signIn(newPhone(), CODE), failsWith(ErrorCode.Unavailable, /retry/));
      });
  });
