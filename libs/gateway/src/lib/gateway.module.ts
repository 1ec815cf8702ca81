import { GatewayMetrics } from './core/gateway-metrics';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { ClientGrpc, ClientsModule } from '@nestjs/microservices';
import { INTERNAL_SECRET, InternalGuard } from '@gim/rpc';
import { ClientServer } from './client-server';
import { ConnectIntGrpcController } from './connect-int.grpc';
import { TCP_FRAMING, WS_FRAMING } from './core/framing';
import { GatewayCore } from './core/gateway-core';
import { CoarseClock } from './core/sweeper';
import { BusRoomFeed } from './fanout.subscriber';
import { GatewayRuntime } from './gateway.runtime';
import { CLIENT_SERVER, GATEWAY_SETTINGS, GatewaySettings, LOGIC_CLIENT, LOGIC_GRPC } from './gateway.tokens';
import { createLogicClient, LogicClient, logicClientOptions } from './logic-client';
import { TcpClientServer } from './tcp/tcp-client-server';
import { WsClientGateway } from './ws/ws-client.gateway';
import { WsClientServer } from './ws/ws-client-server';

/**
 * One gateway: ConnectIntService over gRPC plus the TCP or WebSocket client listener, wired to logic and the
 * bus. The WebSocket one is a Nest gateway (WsClientGateway) whose adapter is the CLIENT_SERVER.
 */
@Module({})
export class GatewayModule {
  /** The module for one gateway built from `settings`. */
  static forRoot(settings: GatewaySettings): DynamicModule {
    const { config } = settings;
    const logger = new Logger('Gateway');
    return {
      module: GatewayModule,
      imports: [
        ClientsModule.register([{ name: LOGIC_GRPC, ...logicClientOptions(config.GIM_LOGIC_GRPC_ADDR) }]),
      ],
      controllers: [ConnectIntGrpcController],
      providers: [
        { provide: GATEWAY_SETTINGS, useValue: settings },
        { provide: INTERNAL_SECRET, useValue: settings.internalSecret },
        InternalGuard,
        {
          provide: LOGIC_CLIENT,
          inject: [LOGIC_GRPC],
          useFactory: (grpc: ClientGrpc): LogicClient => createLogicClient(grpc, settings.internalSecret),
        },
        {
          provide: GatewayCore,
          inject: [LOGIC_CLIENT],
          useFactory: (logic: LogicClient): GatewayCore =>
            new GatewayCore({
              gatewayId: settings.gatewayId,
              framing: settings.transport === 'tcp' ? TCP_FRAMING : WS_FRAMING,
              logic,
              roomFeed: new BusRoomFeed(settings.bus, settings.channels),
              clock: new CoarseClock(),
              logger,
              maxQueueBytes: config.GIM_SEND_QUEUE_MAX_BYTES,
              signInTimeoutMs: config.GIM_SIGN_IN_TIMEOUT_MS,
              idleTimeoutMs: config.GIM_IDLE_TIMEOUT_MS,
              maxUnauthenticatedPerAddress: config.GIM_MAX_UNAUTHENTICATED_PER_ADDRESS,
              metrics: new GatewayMetrics(settings.transport),
            }),
        },
        {
          provide: CLIENT_SERVER,
          inject: [GatewayCore],
          useFactory: (core: GatewayCore): ClientServer =>
            settings.transport === 'tcp'
              ? new TcpClientServer(core, config.GIM_MAX_FRAME_BYTES, logger)
              : new WsClientServer(core, config.GIM_MAX_FRAME_BYTES, logger),
        },
        GatewayRuntime,
        ...(settings.transport === 'ws' ? [WsClientGateway] : []),
      ],
    };
  }
}
