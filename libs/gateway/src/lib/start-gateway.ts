import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { Channels, FanoutBus } from '@gim/bus';
import { GrpcExceptionFilter, grpcServerOptions } from '@gim/rpc';
import { logLevels } from '@gim/config';
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
}

/** A started gateway. */
export interface RunningGateway {
  /** The id logic knows this gateway by (its bus channel name). */
  gatewayId: string;
  /** The port clients connect to (the bound one, also when the configured port was 0). */
  clientPort: number;
  /** Closes every connection with PC_CLOSE 10407, drops the lease, leaves the bus and stops the gRPC server. */
  close(): Promise<void>;
}

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
  const { grpc } = gatewayAddresses(config, options.transport);
  const module = GatewayModule.forRoot({
    config,
    transport: options.transport,
    gatewayId,
    internalSecret: options.internalSecret,
    bus: options.bus,
    channels: new Channels(config.GIM_REDIS_PREFIX),
  });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
    ...grpcServerOptions(grpc, ['connect'], ['connect/connect.int.proto']),
    logger: logLevels(config.GIM_LOG_LEVEL),
    abortOnError: false,
  });
  app.useGlobalFilters(new GrpcExceptionFilter());
  const clients: unknown = app.get(CLIENT_SERVER);
  if (clients instanceof WsClientServer) app.useWebSocketAdapter(clients);
  const runtime = app.get(GatewayRuntime);
  try {
    await app.listen();
  } catch (error) {
    await runtime.shutdown();
    await app.close().catch(() => undefined);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    gatewayId,
    clientPort: runtime.clientPort,
    close: () => {
      closing ??= runtime.shutdown().then(() => app.close());
      return closing;
    },
  };
}
