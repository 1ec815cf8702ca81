import { RedisBus } from '@gim/bus';
import { Closable, loadConfig } from '@gim/config';
import { resolveInternalSecret } from '@gim/rpc';
import { GatewayConfig, GatewayTransport } from './gateway.config';
import { startGateway } from './start-gateway';

/** Starts a cluster-mode gateway process: config from the environment, fan-out over Redis pub/sub. */
export async function startClusterGateway(transport: GatewayTransport): Promise<Closable> {
  const config = loadConfig(GatewayConfig);
  const bus = new RedisBus(config.GIM_REDIS_URL);
  try {
    const gateway = await startGateway(config, {
      transport,
      internalSecret: resolveInternalSecret(config),
      bus,
      busRedisUrl: config.GIM_REDIS_URL,
    });
    return {
      async close() {
        await gateway.close();
        await bus.close();
      },
    };
  } catch (error) {
    await bus.close();
    throw error;
  }
}
