// The promise clients over a real local Nest gRPC server (logic.DeviceIntService with the InternalGuard and
// the GrpcExceptionFilter): credential, error mapping, deadline, unreachable server, and shutdown by Nest.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  ClientDuplexStream,
  credentials,
  loadPackageDefinition,
  ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, INestMicroservice, Inject, Injectable, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientGrpc,
  ClientGrpcProxy,
  ClientsModule,
  GrpcMethod,
  MicroserviceOptions,
} from '@nestjs/microservices';
import { Client, connectivityState, Metadata, ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { logicDevice } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { firstValueFrom } from 'rxjs';
import { GIM_CODE_KEY, GrpcErrorMode, statusDetailsOf } from './errors';
import { GrpcExceptionFilter } from './exception.filter';
import { createGrpcClient, GrpcClient, grpcClientOptions, PromiseClient, promiseClient } from './grpc-client';
import { grpcServerOptions } from './grpc-server';
import { INTERNAL_SECRET } from './internal-secret';
import { InternalGuard } from './internal.guard';
import { INTERNAL_METADATA_KEY, metadataString, REQUEST_ID_KEY } from './metadata';

const SECRET = 'rpc-int-spec-internal-secret';
const FILES = ['logic/device.int.proto'];
const SERVICE = 'logic.DeviceIntService';
type Devices = logicDevice.DeviceIntServiceClient;

/** Request ids the test server saw, in order. */
const seenRequestIds: string[] = [];

const heartbeat = (connId = 0): logicDevice.HeartbeatRequest => ({
  userId: 1,
  deviceId: 2,
  gatewayId: 'g',
  connId,
});
const signIn = (token: string): logicDevice.SignInRequest => ({
  userId: 7,
  deviceId: 8,
  token,
  clientAddr: '',
  gatewayId: 'g',
  connId: 1,
});

/** Fails SignIn with the business error its token names; Heartbeat waits `connId` ms. */
@Controller()
@UseGuards(InternalGuard)
class DeviceIntTestController {
  @GrpcMethod('DeviceIntService', 'SignIn')
  signIn(request: logicDevice.SignInRequest): logicDevice.SignInReply {
    if (request.token === 'no-such-user') throw new GimError(ErrorCode.UserNotFound, 'user 7 not found');
    if (request.token !== 'good') throw new GimError(ErrorCode.Unauthorized, 'unauthorized: bad token');
    return { userId: 7, deviceId: 8, appId: 1 };
  }

  @GrpcMethod('DeviceIntService', 'Heartbeat')
  async heartbeat(request: logicDevice.HeartbeatRequest, metadata: Metadata): Promise<Record<string, never>> {
    seenRequestIds.push(metadataString(metadata, REQUEST_ID_KEY));
    if (request.connId > 0) await sleep(request.connId);
    return {};
  }
}

/** The test server's module. */
@Module({
  controllers: [DeviceIntTestController],
  providers: [{ provide: INTERNAL_SECRET, useValue: SECRET }, InternalGuard],
})
class ServerModule {}

/** A TCP port of 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const failsWith = (code: ErrorCode, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof GimError, `expected a GimError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.match(error.message, pattern);
  return true;
};

void describe('gRPC promise clients through @nestjs/microservices', () => {
  let server: INestMicroservice;
  let address: string;
  /** A second server answering as GIM_GRPC_ERRORS=gim does: the gim code as the status. */
  let gimServer: INestMicroservice;
  let gimAddress: string;
  const clients: GrpcClient<unknown>[] = [];
  const client = (settings: { internalSecret?: string; deadlineMs?: number } = {}): GrpcClient<Devices> => {
    const created = createGrpcClient<Devices>({ address, files: FILES, service: SERVICE, ...settings });
    clients.push(created);
    return created;
  };

  before(async () => {
    address = `127.0.0.1:${await freePort()}`;
    server = await NestFactory.createMicroservice<MicroserviceOptions>(ServerModule, {
      ...grpcServerOptions(address, ['logic'], FILES),
      logger: false,
    });
    server.useGlobalFilters(new GrpcExceptionFilter('canonical'));
    await server.listen();
    gimAddress = `127.0.0.1:${await freePort()}`;
    gimServer = await NestFactory.createMicroservice<MicroserviceOptions>(ServerModule, {
      ...grpcServerOptions(gimAddress, ['logic'], FILES),
      logger: false,
    });
    gimServer.useGlobalFilters(new GrpcExceptionFilter('gim'));
    await gimServer.listen();
  });

  after(async () => {
    for (const each of clients) each.close();
    await server?.close();
    await gimServer?.close();
  });

  void it('describes its services through gRPC server reflection', async () => {
    const definition = loadSync(
      require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'),
      {
        keepCase: true,
      },
    );
    const reflection = (
      loadPackageDefinition(definition) as unknown as {
        grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
      }
    ).grpc.reflection.v1.ServerReflection;
    const stub = new reflection(address, credentials.createInsecure());
    try {
      const services = await new Promise<string[]>((resolve, reject) => {
        const call = stub['ServerReflectionInfo']() as ClientDuplexStream<
          object,
          { list_services_response?: { service: { name: string }[] } }
        >;
        call.on('data', (reply: { list_services_response?: { service: { name: string }[] } }) => {
          resolve(reply.list_services_response?.service.map((service) => service.name) ?? []);
          call.end();
        });
        call.on('error', reject);
        call.write({ list_services: '' });
      });
      assert.ok(services.includes('logic.DeviceIntService'), services.join(', '));
    } finally {
      stub.close();
    }
  });

  void it('carries the internal credential, which the guard accepts', async () => {
    assert.deepEqual(await client({ internalSecret: SECRET }).heartbeat(heartbeat()), {});
  });

  void it('is refused by the guard without the credential or with a wrong one', async () => {
    const refused = failsWith(ErrorCode.Unauthorized, /internal credential/);
    await assert.rejects(client().heartbeat(heartbeat()), refused);
    await assert.rejects(client({ internalSecret: 'not-the-secret' }).heartbeat(heartbeat()), refused);
  });

  void it("adds the credential to the caller's metadata and keeps the caller's entries", async () => {
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_KEY, 'req-42');
    await client({ internalSecret: SECRET }).heartbeat(heartbeat(), metadata);
    assert.equal(seenRequestIds.at(-1), 'req-42');
    assert.equal(metadataString(metadata, INTERNAL_METADATA_KEY), SECRET);
  });

  for (const mode of ['canonical', 'gim'] as const)
    void it(`turns a GimError thrown by a ${mode} server back into the same GimError`, async () => {
      const devices = createGrpcClient<Devices>({
        address: mode === 'canonical' ? address : gimAddress,
        files: FILES,
        service: SERVICE,
        internalSecret: SECRET,
      });
      clients.push(devices);
      await assert.rejects(devices.signIn(signIn('no-such-user')), (error: unknown) => {
        assert.ok(error instanceof GimError);
        assert.equal(error.code, ErrorCode.UserNotFound);
        assert.equal(error.message, 'user 7 not found');
        return true;
      });
      await assert.rejects(
        devices.signIn(signIn('bad')),
        failsWith(ErrorCode.Unauthorized, /^unauthorized: bad token$/),
      );
      assert.deepEqual(await devices.signIn(signIn('good')), { userId: 7, deviceId: 8, appId: 1 });
    });

  const rawSignInFailure = async (mode: GrpcErrorMode, token: string): Promise<ServiceError> => {
    const target = mode === 'canonical' ? address : gimAddress;
    const proxy = new ClientGrpcProxy(grpcClientOptions(target, ['logic'], FILES).options);
    try {
      const raw = proxy.getService<Devices>(logicDevice.DEVICE_INT_SERVICE_NAME);
      const metadata = new Metadata();
      metadata.set(INTERNAL_METADATA_KEY, SECRET);
      return await firstValueFrom(raw.signIn(signIn(token), metadata)).then(
        () => assert.fail('SignIn should fail'),
        (failure: ServiceError) => failure,
      );
    } finally {
      proxy.close();
    }
  };

  void it("passes Nest's ClientGrpc errors through with the canonical status, details, gim-code and ErrorInfo", async () => {
    const error = await rawSignInFailure('canonical', 'no-such-user');
    assert.equal(error.code, GrpcStatus.NOT_FOUND);
    assert.equal(error.details, 'user 7 not found');
    assert.equal(metadataString(error.metadata, GIM_CODE_KEY), String(ErrorCode.UserNotFound));
    assert.deepEqual(statusDetailsOf(error.metadata)?.errorInfo, {
      reason: 'USER_NOT_FOUND',
      domain: 'gim',
      metadata: { code: '10301' },
    });
    const refused = await rawSignInFailure('canonical', 'bad');
    assert.equal(refused.code, GrpcStatus.UNAUTHENTICATED);
    assert.equal(metadataString(refused.metadata, GIM_CODE_KEY), String(ErrorCode.Unauthorized));
  });

  void it('answers the gim code as the status from a server with GIM_GRPC_ERRORS=gim, trailers included', async () => {
    const error = await rawSignInFailure('gim', 'no-such-user');
    assert.equal(error.code, ErrorCode.UserNotFound);
    assert.equal(error.details, 'user 7 not found');
    assert.equal(metadataString(error.metadata, GIM_CODE_KEY), String(ErrorCode.UserNotFound));
    assert.equal(statusDetailsOf(error.metadata)?.errorInfo?.reason, 'USER_NOT_FOUND');
  });

  void it('fails with 10500 when the deadline passes', async () => {
    const slow = client({ internalSecret: SECRET, deadlineMs: 100 });
    await assert.rejects(slow.heartbeat(heartbeat(1_000)), failsWith(ErrorCode.Unavailable, /deadline/i));
  });

  void it('fails with 10500 when the server is down', async () => {
    const down = createGrpcClient<Devices>({
      address: `127.0.0.1:${await freePort()}`,
      files: FILES,
      service: SERVICE,
      internalSecret: SECRET,
    });
    clients.push(down);
    await assert.rejects(down.heartbeat(heartbeat()), failsWith(ErrorCode.Unavailable, /unavailable/));
  });

  void it('serves a Nest module through ClientsModule and closes the channel with the application', async () => {
    const LOGIC = Symbol('LOGIC');

    /** A provider using the ClientsModule client the way the services do. */
    @Injectable()
    class Caller {
      readonly devices: PromiseClient<Devices>;
      readonly channel: Client;

      constructor(@Inject(LOGIC) grpc: ClientGrpc) {
        this.devices = promiseClient<Devices>(grpc, logicDevice.DEVICE_INT_SERVICE_NAME, {
          internalSecret: SECRET,
        });
        this.channel = grpc.getClientByServiceName<Client>(logicDevice.DEVICE_INT_SERVICE_NAME);
      }
    }

    /** The calling application's module. */
    @Module({
      imports: [ClientsModule.register([{ name: LOGIC, ...grpcClientOptions(address, ['logic'], FILES) }])],
      providers: [Caller],
    })
    class CallerModule {}

    const app = await NestFactory.createApplicationContext(CallerModule, { logger: false });
    const caller = app.get(Caller);
    assert.deepEqual(await caller.devices.heartbeat(heartbeat()), {});
    assert.notEqual(caller.channel.getChannel().getConnectivityState(false), connectivityState.SHUTDOWN);
    await app.close();
    assert.equal(caller.channel.getChannel().getConnectivityState(false), connectivityState.SHUTDOWN);
  });
});
