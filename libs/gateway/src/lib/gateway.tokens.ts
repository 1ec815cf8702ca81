import { Channels, FanoutBus } from '@gim/bus';
import { GatewayConfig, GatewayTransport } from './gateway.config';

/** Injection token of the GatewaySettings. */
export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');
/** Injection token of the LogicClient. */
export const LOGIC_CLIENT = Symbol('LOGIC_CLIENT');
/** Injection token of the ClientGrpc (ClientsModule) the LogicClient calls through. */
export const LOGIC_GRPC = Symbol('LOGIC_GRPC');
/** Injection token of the ClientServer (TCP or WebSocket). */
export const CLIENT_SERVER = Symbol('CLIENT_SERVER');

/** Everything a gateway module is built from. */
export interface GatewaySettings {
  config: GatewayConfig;
  transport: GatewayTransport;
  gatewayId: string;
  internalSecret: string;
  bus: FanoutBus;
  channels: Channels;
}
