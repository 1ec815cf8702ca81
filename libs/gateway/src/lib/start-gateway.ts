import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { Channels, FanoutBus } from '@gim/bus';
import { drainBudgetMs } from '@gim/config';
import { DownstreamHealth, GrpcDrain, GrpcExceptionFilter, grpcServerOptions } from '@gim/rpc';
import { OpsServer, processLoggerFor, redisReadiness, serviceOps } from '@gim/ops';
import { GatewayConfig, gatewayAddresses, GatewayTransport } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { GatewayRuntime } from './gateway.runtime';
import { CLIENT_SERVER } from './gateway.tokens';
import { WsClientServer } from './ws/ws-client-server';

/** What a gateway is started with besides its config. */
export interface StartGatewayOptions {
  /** The client protocol carrier. */
  transport: GatewayTransport;
  /** The internal credential: required on ConnectIntService calls, sent on calls to logic. */
  internalSecret: string;
  /** The fan-out bus (a RedisBus in cluster mode, the process's shared MemoryBus in standalone mode). */
  bus: FanoutBus;
  /** the process's ops server (standalone shares one); without one the gateway opens its own on GIM_OPS_LISTEN */
  ops?: OpsServer;
  /** the Redis behind `bus` (cluster mode), which /readyz then checks */
  busRedisUrl?: string;
  /** called first thing on close, when the gateway stops accepting clients and starts draining (readiness turns false) */
  onDraining?: () => void;
}

/** A started gateway. */
export interface RunningGateway {
  /** The id logic knows this gateway by (its bus channel name). */
  gatewayId: string;
  /** The port clients connect to (the bound one, also when the configured port was 0). */
  clientPort: number;
  /**
   * Drains: stops accepting clients, closes every connection with PC_CLOSE 10407 in waves over
   * GIM_DRAIN_WINDOW_MS, drops the lease, leaves the bus and stops the gRPC server.
   */
  close(): Promise<void>;
}

/** The least time the gateway's own gRPC calls get to finish once its clients are gone. */
const MIN_GRPC_CLOSE_MS = 1_000;

/** A gateway id unique per process start: hostname-pid-random. */
export function generateGatewayId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'gateway';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Starts a TCP or WebSocket gateway; resolves once its client listener and its gRPC server both listen. */
export async function startGateway(
  config: GatewayConfig,
  options: StartGatewayOptions,
): Promise<RunningGateway> {
  const gatewayId = config.GIM_GATEWAY_ID || generateGatewayId();
  const addresses = gatewayAddresses(config, options.transport);
  const { ops, close: closeOps } = await serviceOps(options.ops, addresses.ops);
  const logic = new DownstreamHealth(config.GIM_LOGIC_GRPC_ADDR);
  const redis = options.busRedisUrl === undefined ? undefined : redisReadiness(options.busRedisUrl);
  ops.addCheck(`${options.transport}-gateway: logic`, () => logic.check());
  if (redis) ops.addCheck(`${options.transport}-gateway: redis`, redis.check);
  const releaseOps = async (): Promise<void> => {
    logic.close();
    await redis?.close();
    await closeOps();
  };
  const module = GatewayModule.forRoot({
    config,
    transport: options.transport,
    gatewayId,
    internalSecret: options.internalSecret,
    bus: options.bus,
    channels: new Channels(config.GIM_REDIS_PREFIX),
  });
  const drain = new GrpcDrain();
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
    ...drain.serve(grpcServerOptions(addresses.grpc, ['connect'], ['connect/connect.int.proto'], ops)),
    logger: processLoggerFor({
      app: `${options.transport}-gateway`,
      format: config.GIM_LOG_FORMAT,
      level: config.GIM_LOG_LEVEL,
    }),
    abortOnError: false,
  });
  app.useGlobalFilters(new GrpcExceptionFilter(config.GIM_GRPC_ERRORS));
  const clients: unknown = app.get(CLIENT_SERVER);
  if (clients instanceof WsClientServer) app.useWebSocketAdapter(clients);
  const runtime = app.get(GatewayRuntime);
  try {
    await app.listen();
  } catch (error) {
    await runtime.shutdown();
    await app.close().catch(() => undefined);
    await releaseOps();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    gatewayId,
    clientPort: runtime.clientPort,
    close: () => {
      closing ??= (async () => {
        const began = Date.now();
        options.onDraining?.();
        ops.startDraining();
        await runtime.shutdown();
        const left = drainBudgetMs(config.GIM_SHUTDOWN_TIMEOUT_MS) - (Date.now() - began);
        await drain.close(app, Math.max(left, MIN_GRPC_CLOSE_MS));
        await releaseOps();
      })();
      return closing;
    },
  };
}
