// The gateway: long client connections over TCP or WebSocket, delivery of fan-out pushes, ConnectIntService.
export { startClusterGateway } from './lib/start-cluster-gateway';
export {
  startGateway,
  generateGatewayId,
  type StartGatewayOptions,
  type RunningGateway,
} from './lib/start-gateway';
export {
  GatewayConfig,
  GATEWAY_DEFAULT_ADDRESSES,
  gatewayAddresses,
  type GatewayTransport,
} from './lib/gateway.config';
export { GatewayModule } from './lib/gateway.module';
export { GatewayRuntime } from './lib/gateway.runtime';
export { GATEWAY_SETTINGS, LOGIC_CLIENT, CLIENT_SERVER, type GatewaySettings } from './lib/gateway.tokens';
export { createLogicClient, type LogicClient } from './lib/logic-client';
export { WS_PATH } from './lib/ws/ws-client-server';
