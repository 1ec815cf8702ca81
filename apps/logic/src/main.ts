// logic as its own process (cluster mode): MySQL/MariaDB + Redis, configured by environment variables.
import 'reflect-metadata';
import { loadConfig, runApp } from '@gim/config';
import { LogicConfig, startLogic } from '@gim/logic-service';
import { resolveInternalSecret } from '@gim/rpc';

runApp('logic', async () => {
  const config = loadConfig(LogicConfig);
  return startLogic(config, { internalSecret: resolveInternalSecret(config) });
});
