// Standalone gim: business, logic, both gateways and the file service in one process, SQLite files (and the
// uploaded files) under GIM_DATA_DIR and an in-process bus instead of Redis. Same services as the cluster; only
// storage and bus adapters differ.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { MemoryBus } from '@gim/bus';
import { Closable, loadConfig, runApp } from '@gim/config';
import { BusinessConfig, startBusiness } from '@gim/business-service';
import { FileConfig, startFile } from '@gim/file-service';
import { GatewayConfig, startGateway } from '@gim/gateway';
import { LogicConfig, startLogic } from '@gim/logic-service';
import { OpsServer, processLoggerFor } from '@gim/ops';
import { resolveInternalSecret } from '@gim/rpc';
import { StandaloneConfig } from './standalone.config';

runApp('gim', async () => {
  const env = process.env;
  const standalone = loadConfig(StandaloneConfig, env);
  const dataDir = resolve(standalone.GIM_DATA_DIR);
  const host = standalone.GIM_HOST;
  const logicAddr = `127.0.0.1:${standalone.GIM_LOGIC_GRPC_PORT}`;
  const businessAddr = `127.0.0.1:${standalone.GIM_BUSINESS_GRPC_PORT}`;
  const fileAddr = `127.0.0.1:${standalone.GIM_FILE_PORT}`;
  const internalSecret = resolveInternalSecret(standalone, true);
  processLoggerFor({ app: 'gim', format: standalone.GIM_LOG_FORMAT, level: standalone.GIM_LOG_LEVEL });
  const bus = new MemoryBus();
  const ops = new OpsServer();
  const started: Closable[] = [];
  const gateways = new Set<Closable>();

  // Each service reads its own variables; standalone fixes the ones that wire them together.
  const business = loadConfig(BusinessConfig, {
    ...env,
    GIM_BUSINESS_GRPC_URL: `${host}:${standalone.GIM_BUSINESS_GRPC_PORT}`,
    GIM_BUSINESS_DB_URL: `sqlite:${dataDir}/business.sqlite`,
    GIM_LOGIC_GRPC_ADDR: logicAddr,
    GIM_FILE_HTTP_ADDR: fileAddr,
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
    const opsPort = await ops.listen(host, standalone.GIM_OPS_PORT);
    started.push({ close: () => ops.close() });
    started.push(await startBusiness(business, { internalSecret, bus, ops }));
    started.push(await startLogic(logic, { internalSecret, bus, ops }));
    const tcpGateway = await startGateway(tcp, { transport: 'tcp', internalSecret, bus, ops });
    started.push(tcpGateway);
    gateways.add(tcpGateway);
    const wsGateway = await startGateway(ws, { transport: 'ws', internalSecret, bus, ops });
    started.push(wsGateway);
    gateways.add(wsGateway);
    const files = await startFile(file, { internalSecret, ops });
    started.push(files);
    new Logger('gim').log(
      `gim standalone ready: TCP ${host}:${tcpGateway.clientPort}, WebSocket ws://${host}:${wsGateway.clientPort}/ws, ` +
        `business gRPC ${businessAddr}, logic gRPC ${logicAddr}, files http://${host}:${files.port}, ` +
        `ops http://${host}:${opsPort} (/healthz, /readyz, /metrics), data in ${dataDir}`,
    );
  } catch (error) {
    await closeAll(started, gateways);
    throw error;
  }
  return {
    async close() {
      ops.startDraining();
      await closeAll(started, gateways);
      await bus.close();
    },
  };
});

/**
 * Drains the gateways first, together (their clients leave over one drain window and are told before logic goes
 * away), then stops the other services in reverse start order.
 */
async function closeAll(started: Closable[], gateways: ReadonlySet<Closable>): Promise<void> {
  const report = (error: unknown) => new Logger('gim').error(error);
  await Promise.all([...gateways].map((gateway) => gateway.close().catch(report)));
  for (const service of [...started].reverse()) {
    if (!gateways.has(service)) await service.close().catch(report);
  }
}
