// The ws-gateway process: WebSocket client connections, delivery from Redis fan-out, ConnectIntService over gRPC.
import { Logger } from '@nestjs/common';
import { RedisBus } from '@gim/bus';
import { ConfigError, loadConfig } from '@gim/config';
import { GatewayConfig, startGateway } from '@gim/gateway';
import { resolveInternalSecret } from '@gim/rpc';

async function main(): Promise<void> {
  const config = loadConfig(GatewayConfig);
  const bus = new RedisBus(config.GIM_REDIS_URL);
  const gateway = await startGateway(config, { transport: 'ws', internalSecret: resolveInternalSecret(config), bus });
  const logger = new Logger('ws-gateway');
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: closing gateway ${gateway.gatewayId}`);
    gateway
      .close()
      .then(() => bus.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
