// The ws-gateway process (cluster mode): WebSocket client connections, delivery from Redis fan-out, ConnectIntService over gRPC.
import 'reflect-metadata';
import { RedisBus } from '@gim/bus';
import { loadConfig, runApp } from '@gim/config';
import { GatewayConfig, startGateway } from '@gim/gateway';
import { resolveInternalSecret } from '@gim/rpc';

runApp('ws-gateway', async () => {
  const config = loadConfig(GatewayConfig);
  const bus = new RedisBus(config.GIM_REDIS_URL);
  try {
    const gateway = await startGateway(config, {
      transport: 'ws',
      internalSecret: resolveInternalSecret(config),
      bus,
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
});
