// The tcp-gateway process (cluster mode): TCP client connections, delivery from Redis fan-out, ConnectIntService over gRPC.
import 'reflect-metadata';
import { runApp } from '@gim/config';
import { startClusterGateway } from '@gim/gateway';

runApp('tcp-gateway', () => startClusterGateway('tcp'));
