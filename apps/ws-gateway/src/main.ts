// The ws-gateway process (cluster mode): WebSocket client connections, delivery from Redis fan-out, ConnectIntService over gRPC.
import 'reflect-metadata';
import { runApp } from '@gim/config';
import { startClusterGateway } from '@gim/gateway';

runApp('ws-gateway', () => startClusterGateway('ws'));
