// GrpcDrain over a real local Nest gRPC server: running calls finish, new calls are refused with UNAVAILABLE,
// a long-lived stream ends after its answers, and calls still running at the deadline are cut.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientGrpcProxy, GrpcMethod, GrpcStreamMethod, MicroserviceOptions } from '@nestjs/microservices';
import { firstValueFrom, map, Observable, Subject, toArray } from 'rxjs';
import { logicDevice, logicMessageInt } from '@gim/contracts';
import { GrpcDrain } from './grpc-drain';
import { grpcClientOptions } from './grpc-client';
import { grpcServerOptions } from './grpc-server';

const FILES = ['logic/device.int.proto', 'logic/message.int.proto'];

/** Heartbeats wait until the test opens the gate. */
let gate: Promise<void> = Promise.resolve();
let drain = new GrpcDrain();

@Controller()
class DrainTestController {
  @GrpcMethod('DeviceIntService', 'Heartbeat')
  async heartbeat(): Promise<Record<string, never>> {
    await gate;
    return {};
  }

  @GrpcStreamMethod('MessageIntService', 'SendUserMessageStream')
  stream(
    batches: Observable<logicMessageInt.SendUserMessageBatch>,
  ): Observable<logicMessageInt.SendUserMessageBatchReply> {
    return batches.pipe(
      drain.endOnDrain(),
      map((batch) => ({ batchId: batch.batchId, results: [], code: 0, message: '' })),
    );
  }
}

@Module({ controllers: [DrainTestController] })
class DrainTestModule {}

interface Devices {
  heartbeat(request: logicDevice.HeartbeatRequest): Observable<unknown>;
}
interface Messages {
  sendUserMessageStream(
    batches: Observable<logicMessageInt.SendUserMessageBatch>,
  ): Observable<logicMessageInt.SendUserMessageBatchReply>;
}

const heartbeat = { userId: 1, deviceId: 2, gatewayId: 'g', connId: 1 };

/** A TCP port of 127.0.0.1 that was free a moment ago (rpc may not depend on @gim/testing). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The gRPC status code a call ended with (0 for success). */
function outcome(call: Observable<unknown>): Promise<number> {
  return firstValueFrom(call).then(
    () => GrpcStatus.OK,
    (error: { code?: number }) => error.code ?? -1,
  );
}

void describe('GrpcDrain', () => {
  let app: INestMicroservice | undefined;
  let client: ClientGrpcProxy | undefined;

  const start = async (): Promise<{ devices: Devices; messages: Messages }> => {
    drain = new GrpcDrain();
    const address = `127.0.0.1:${await freePort()}`;
    app = await NestFactory.createMicroservice<MicroserviceOptions>(DrainTestModule, {
      ...drain.serve(grpcServerOptions(address, ['logic'], FILES)),
      logger: false,
    });
    await app.listen();
    client = new ClientGrpcProxy(grpcClientOptions(address, ['logic'], FILES).options);
    return {
      devices: client.getService<Devices>('DeviceIntService'),
      messages: client.getService<Messages>('MessageIntService'),
    };
  };

  afterEach(async () => {
    client?.close();
    await app?.close().catch(() => undefined);
    gate = Promise.resolve();
  });

  void it('lets a running call finish and refuses a new one with UNAVAILABLE', async () => {
    const { devices } = await start();
    assert.equal(await outcome(devices.heartbeat(heartbeat)), GrpcStatus.OK, 'the channel is up');
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const running = outcome(devices.heartbeat(heartbeat));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = drain.close(app!, 5_000);
    assert.equal(drain.isDraining, true);
    assert.equal(await outcome(devices.heartbeat(heartbeat)), GrpcStatus.UNAVAILABLE);
    open();
    assert.equal(await running, GrpcStatus.OK, 'the call that was running when the drain began');
    await closed;
  });

  void it('ends a long-lived stream after answering what it took, so the server closes at once', async () => {
    const { messages } = await start();
    const batches = new Subject<logicMessageInt.SendUserMessageBatch>();
    const replies = firstValueFrom(messages.sendUserMessageStream(batches).pipe(toArray()));
    batches.next({ batchId: 1, sends: [], timeoutMs: 0 });
    batches.next({ batchId: 2, sends: [], timeoutMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = Date.now();
    await drain.close(app!, 5_000);
    assert.ok(Date.now() - began < 1_000, `closed in ${Date.now() - began} ms, not at the deadline`);
    assert.deepEqual(
      (await replies).map((reply) => reply.batchId),
      [1, 2],
      'the stream completed normally with both answers',
    );
  });

  void it('cuts a call still running at the deadline', async () => {
    const { devices } = await start();
    gate = new Promise(() => undefined);
    const running = outcome(devices.heartbeat(heartbeat));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const began = Date.now();
    await drain.close(app!, 300);
    const took = Date.now() - began;
    assert.ok(took >= 290 && took < 2_000, `closed after ${took} ms`);
    assert.notEqual(await running, GrpcStatus.OK);
  });
});
