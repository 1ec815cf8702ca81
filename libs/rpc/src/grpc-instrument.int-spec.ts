// Instrumented gRPC servers over real sockets: the request id travels from a caller through one server to the
// next, calls are counted by method and status, and grpc.health.v1 answers until the process drains.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  Server,
  ServerCredentials,
  ServiceClientConstructor,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, protoFiles, protoRoot } from '@gim/contracts';
import { currentRequestId, exposition, OpsServer } from '@gim/ops';
import { createGrpcClient, GrpcClient } from './grpc-client';
import { DownstreamHealth } from './grpc-health';
import { instrumentGrpcServer } from './grpc-instrument';
import { REQUEST_ID_KEY } from './metadata';
import type { logicDevice } from '@gim/contracts';

const definition = loadSync(protoFiles('logic/device.int.proto'), {
  ...PROTO_LOADER_OPTIONS,
  includeDirs: [protoRoot()],
});
const DeviceIntService = (
  loadPackageDefinition(definition) as unknown as {
    logic: { DeviceIntService: ServiceClientConstructor };
  }
).logic.DeviceIntService;

type Callback = (error: { code: number; details: string } | null, reply?: unknown) => void;
interface Call {
  metadata: Metadata;
  request: { appId: number };
}

async function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
}

async function counted(method: string, code: string): Promise<number> {
  const { body } = await exposition();
  const line = body
    .split('\n')
    .find((row) =>
      row.startsWith(
        `gim_grpc_server_handled_total{grpc_service="logic.DeviceIntService",grpc_method="${method}",grpc_code="${code}"}`,
      ),
    );
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

void describe('instrumented gRPC servers', () => {
  const downstreamIds: string[] = [];
  const upstreamIds: Array<string | undefined> = [];
  const ops = new OpsServer();
  const front = new Server();
  const back = new Server();
  let frontPort = 0;
  let toBack: GrpcClient<logicDevice.DeviceIntServiceClient>;
  let client: InstanceType<ServiceClientConstructor>;

  before(async () => {
    back.addService(DeviceIntService.service, {
      CloseApp: (call: Call, callback: Callback) => {
        downstreamIds.push(String(call.metadata.get(REQUEST_ID_KEY)[0] ?? ''));
        callback(null, {});
      },
    });
    const backPort = await listen(back);
    toBack = createGrpcClient({
      address: `127.0.0.1:${backPort}`,
      files: ['logic/device.int.proto'],
      service: 'logic.DeviceIntService',
    });
    instrumentGrpcServer(front, ops);
    front.addService(DeviceIntService.service, {
      CloseApp: (call: Call, callback: Callback) => {
        upstreamIds.push(currentRequestId());
        if (call.request.appId === 0) {
          callback({ code: GrpcStatus.INVALID_ARGUMENT, details: 'app_id is required' });
          return;
        }
        void toBack.closeApp({ appId: call.request.appId, reason: '' }).then(
          () => callback(null, {}),
          (error: Error) => callback({ code: GrpcStatus.INTERNAL, details: error.message }),
        );
      },
    });
    frontPort = await listen(front);
    client = new DeviceIntService(`127.0.0.1:${frontPort}`, credentials.createInsecure());
  });

  after(async () => {
    client.close();
    toBack.close();
    front.forceShutdown();
    back.forceShutdown();
    await ops.close();
  });

  const closeApp = (appId: number, requestId?: string): Promise<{ code: number }> => {
    const metadata = new Metadata();
    if (requestId !== undefined) metadata.set(REQUEST_ID_KEY, requestId);
    return new Promise((resolve) =>
      (client as unknown as { CloseApp: (r: unknown, m: Metadata, cb: Callback) => void }).CloseApp(
        { appId },
        metadata,
        (error) => resolve({ code: error ? error.code : GrpcStatus.OK }),
      ),
    );
  };

  void it('runs a call under the caller request id and passes it to the calls it makes', async () => {
    assert.equal((await closeApp(7, 'trace-me.1')).code, GrpcStatus.OK);
    assert.equal(upstreamIds.at(-1), 'trace-me.1');
    assert.equal(downstreamIds.at(-1), 'trace-me.1');
  });

  void it('gives a call without a usable request id a new one, never the caller text', async () => {
    assert.equal((await closeApp(7)).code, GrpcStatus.OK);
    const fresh = upstreamIds.at(-1) ?? '';
    assert.match(fresh, /^[0-9a-f]{16}$/);
    assert.equal(downstreamIds.at(-1), fresh);
    assert.equal((await closeApp(7, '{"forged": "log field"} x')).code, GrpcStatus.OK);
    assert.match(upstreamIds.at(-1) ?? '', /^[0-9a-f]{16}$/);
  });

  void it('counts calls by method and status code', async () => {
    const [ok, invalid] = [await counted('CloseApp', 'OK'), await counted('CloseApp', 'INVALID_ARGUMENT')];
    await closeApp(3);
    assert.equal((await closeApp(0)).code, GrpcStatus.INVALID_ARGUMENT);
    assert.equal(await counted('CloseApp', 'OK'), ok + 1);
    assert.equal(await counted('CloseApp', 'INVALID_ARGUMENT'), invalid + 1);
    const { body } = await exposition();
    assert.match(
      body,
      /gim_grpc_server_handling_seconds_count\{grpc_service="logic\.DeviceIntService",grpc_method="CloseApp"\} \d+/,
    );
  });

  void it('answers grpc.health.v1 SERVING until the process drains', async () => {
    const health = new DownstreamHealth(`127.0.0.1:${frontPort}`);
    try {
      await health.check();
      ops.startDraining();
      await assert.rejects(health.check(), /NOT_SERVING/);
    } finally {
      health.close();
    }
  });
});
