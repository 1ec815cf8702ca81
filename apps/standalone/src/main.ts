// Standalone gim: business, logic, both gateways and the file service in one process, SQLite files (and the
// uploaded files) under GIM_DATA_DIR and an in-process bus instead of Redis. Same services as the cluster; only
// storage and bus adapters differ.
import 'reflect-metadata';
import { resolve } from 'node:path';
import { MemoryBus } from '@gim/bus';
import { Closable, loadConfig, runApp } from '@gim/config';
import { BusinessConfig, startBusiness } from '@gim/business-service';
import { FileConfig, startFile } from '@gim/file-service';
import { GatewayConfig, startGateway } from '@gim/gateway';
import { LogicConfig, startLogic } from '@gim/logic-service';
import { resolveInternalSecret } from '@gim/rpc';
import { StandaloneConfig } from './standalone.config';

runApp('gim', async () => {
  const env = process.env;
  const standalone = loadConfig(StandaloneConfig, env);
  const dataDir = resolve(standalone.GIM_DATA_DIR);
  const host = standalone.GIM_HOST;
  const logicAddr = `127.0.0.1:${standalone.GIM_LOGIC_GRPC_PORT}`;
  const businessAddr = `127.0.0.1:${standalone.GIM_BUSINESS_GRPC_PORT}`;
  const internalSecret = resolveInternalSecret(standalone, true);
  const bus = new MemoryBus();
  const started: Closable[] = [];

  // Each service reads its own variables; standalone fixes the ones that wire them together.
  const business = loadConfig(BusinessConfig, {
    ...env,
    GIM_BUSINESS_GRPC_URL: `${host}:${standalone.GIM_BUSINESS_GRPC_PORT}`,
    GIM_BUSINESS_DB_URL: `sqlite:${dataDir}/business.sqlite`,
    GIM_LOGIC_GRPC_ADDR: logicAddr,
    GIM_SIGN_IN_LIMITER: 'memory',
  });
  const logic = loadConfig(LogicConfig, {
    ...env,
    GIM_LOGIC_GRPC_URL: `${host}:${standalone.GIM_LOGIC_GRPC_PORT}`,
    GIM_LOGIC_DB_URL: `sqlite:${dataDir}/logic.sqlite`,
    GIM_PRESENCE: 'memory',
    GIM_BUSINESS_GRPC_ADDR: businessAddr,
  });
  const gateway = (listenPort: number, grpcPort: number) =>
    loadConfig(GatewayConfig, {
      ...env,
      GIM_GATEWAY_LISTEN: `${host}:${listenPort}`,
      GIM_GATEWAY_GRPC_URL: `${host}:${grpcPort}`,
      GIM_LOGIC_GRPC_ADDR: logicAddr,
    });
  const file = loadConfig(FileConfig, {
    ...env,
    GIM_FILE_HTTP_URL: `${host}:${standalone.GIM_FILE_PORT}`,
    GIM_FILE_DB_URL: `sqlite:${dataDir}/file.sqlite`,
    GIM_FILE_DIR: `${dataDir}/files`,
    GIM_BUSINESS_GRPC_ADDR: businessAddr,
  });
  const tcp = gateway(standalone.GIM_TCP_PORT, standalone.GIM_TCP_GATEWAY_GRPC_PORT);
  const ws = gateway(standalone.GIM_WS_PORT, standalone.GIM_WS_GATEWAY_GRPC_PORT);

  try {
    started.push(await startBusiness(business, { internalSecret, bus }));
    started.push(await startLogic(logic, { internalSecret, bus }));
    const tcpGateway = await startGateway(tcp, { transport: 'tcp', internalSecret, bus });
    started.push(tcpGateway);
    const wsGateway = await startGateway(ws, { transport: 'ws', internalSecret, bus });
    started.push(wsGateway);
    const files = await startFile(file, { internalSecret });
    started.push(files);
    console.log(
      `gim standalone ready: TCP ${host}:${tcpGateway.clientPort}, WebSocket ws://${host}:${wsGateway.clientPort}/ws, ` +
        `business gRPC ${businessAddr}, logic gRPC ${logicAddr}, files http://${host}:${files.port}, data in ${dataDir}`,
    );
  } catch (error) {
    await closeAll(started);
    throw error;
  }
  return {
    async close() {
      await closeAll(started);
      await bus.close();
    },
  };
});

/** Stops services in reverse start order: gateways first, so clients are told before logic goes away. */
async function closeAll(started: Closable[]): Promise<void> {
  for (const service of [...started].reverse())
    await service.close().catch((error: unknown) => console.error(error));
}
