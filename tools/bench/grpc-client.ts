// Per-call overhead of gim's gRPC client (`createGrpcClient` from @gim/rpc: Nest ClientGrpc plus the promise
// adapter) next to a bare @grpc/grpc-js unary call and a bare Nest ClientGrpc call, against a tiny Nest gRPC
// server in a child process (so only the client's CPU is counted).
// Run: node -r @swc-node/register tools/bench/grpc-client.ts [calls]
import { fork } from 'node:child_process';
import { createServer } from 'node:net';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientGrpcProxy, GrpcMethod, MicroserviceOptions } from '@nestjs/microservices';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  MethodDefinition,
  ServiceClientConstructor,
  ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { logicDevice, PROTO_LOADER_OPTIONS, protoFiles, protoRoot } from '@gim/contracts';
import {
  createGrpcClient,
  grpcClientOptions,
  GRPC_MAX_MESSAGE_BYTES,
  grpcServerOptions,
  INTERNAL_METADATA_KEY,
} from '@gim/rpc';
import { firstValueFrom } from 'rxjs';

const SECRET = 'bench-internal-secret-0123456789';
const FILES = ['logic/device.int.proto'];
/** Long enough for 20,000 calls queued at once on a small machine. */
const DEADLINE_MS = 120_000;
const REQUEST: logicDevice.HeartbeatRequest = { userId: 1, deviceId: 2, gatewayId: 'bench', connId: 3 };

type Heartbeat = (request: logicDevice.HeartbeatRequest) => Promise<unknown>;

/** The bench server's only method: an empty Heartbeat reply. */
@Controller()
class BenchController {
  @GrpcMethod('DeviceIntService', 'Heartbeat')
  heartbeat(): Record<string, never> {
    return {};
  }
}

/** The bench server's module. */
@Module({ controllers: [BenchController] })
class BenchModule {}

async function serve(address: string): Promise<void> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(BenchModule, {
    ...grpcServerOptions(address, ['logic'], FILES),
    logger: false,
  });
  await app.listen();
  process.send?.('ready');
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
}

/** The former client: one bare grpc-js unary request per call, with metadata, deadline and error mapping. */
function bareClient(address: string): { heartbeat: Heartbeat; close(): void } {
  const definition = loadSync(protoFiles(...FILES), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });
  const logic = loadPackageDefinition(definition)['logic'] as { DeviceIntService: ServiceClientConstructor };
  const Ctor = logic.DeviceIntService;
  const client = new Ctor(address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': GRPC_MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': GRPC_MAX_MESSAGE_BYTES,
    'grpc.keepalive_time_ms': 30_000,
  });
  const method = Ctor.service['Heartbeat'] as MethodDefinition<unknown, unknown>;
  const heartbeat: Heartbeat = (request) => {
    const metadata = new Metadata();
    metadata.set(INTERNAL_METADATA_KEY, SECRET);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadata,
        { deadline: Date.now() + DEADLINE_MS },
        (error: ServiceError | null, response?: unknown) => (error ? reject(error) : resolve(response)),
      );
    });
  };
  return { heartbeat, close: () => client.close() };
}

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

interface Figures {
  wallMs: number;
  cpuUsPerCall: number;
  callsPerSecond: number;
}

async function measure(calls: number, run: () => Promise<void>): Promise<Figures> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return {
    wallMs,
    cpuUsPerCall: (used.user + used.system) / calls,
    callsPerSecond: (calls / wallMs) * 1000,
  };
}

async function sequential(heartbeat: Heartbeat, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await heartbeat(REQUEST);
}

async function concurrent(heartbeat: Heartbeat, calls: number): Promise<void> {
  await Promise.all(Array.from({ length: calls }, () => heartbeat(REQUEST)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function bench(calls: number, rounds: number): Promise<void> {
  const address = `127.0.0.1:${await freePort()}`;
  const child = fork(__filename, ['--serve', address], { stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const bare = bareClient(address);
  const gim = createGrpcClient<logicDevice.DeviceIntServiceClient>({
    address,
    files: FILES,
    service: 'logic.DeviceIntService',
    internalSecret: SECRET,
    deadlineMs: DEADLINE_MS,
  });
  const nest = new ClientGrpcProxy(grpcClientOptions(address, ['logic'], FILES).options);
  const observables = nest.getService<logicDevice.DeviceIntServiceClient>(
    logicDevice.DEVICE_INT_SERVICE_NAME,
  );
  const nestHeartbeat: Heartbeat = (request) => {
    const metadata = new Metadata();
    metadata.set(INTERNAL_METADATA_KEY, SECRET);
    return firstValueFrom(observables.heartbeat(request, metadata));
  };
  const clients: [string, Heartbeat][] = [
    ['bare @grpc/grpc-js', bare.heartbeat],
    ['Nest ClientGrpc + firstValueFrom', nestHeartbeat],
    ['@gim/rpc createGrpcClient', (request) => gim.heartbeat(request)],
  ];
  for (const [, heartbeat] of clients) await sequential(heartbeat, 2_000);
  const results = new Map<string, Figures[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, heartbeat] of clients) {
      for (const [mode, run] of [
        ['sequential', sequential],
        ['concurrent', concurrent],
      ] as const) {
        const label = `${name.padEnd(32)} | ${mode.padEnd(10)}`;
        const figures = await measure(calls, () => run(heartbeat, calls));
        results.set(label, [...(results.get(label) ?? []), figures]);
      }
    }
  }
  console.log(`${calls} unary calls per run, median of ${rounds} runs, node ${process.version}`);
  console.log(`${'client'.padEnd(32)} | mode       | wall ms | calls/s | client CPU µs/call`);
  for (const [label, runs] of results) {
    console.log(
      [
        label,
        median(runs.map((each) => each.wallMs))
          .toFixed(0)
          .padStart(7),
        median(runs.map((each) => each.callsPerSecond))
          .toFixed(0)
          .padStart(7),
        median(runs.map((each) => each.cpuUsPerCall))
          .toFixed(1)
          .padStart(18),
      ].join(' | '),
    );
  }
  bare.close();
  nest.close();
  gim.close();
  child.disconnect();
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) {
  void serve(process.argv[serveAt + 1] ?? '');
} else {
  const calls = Number(process.argv[2] ?? 20_000);
  bench(calls, 3).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
