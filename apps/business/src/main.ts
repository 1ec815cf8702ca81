// The business service process: users, sign-in, tokens, profiles and friends over gRPC.
import 'reflect-metadata';
import { loadConfig, runApp } from '@gim/config';
import { resolveInternalSecret } from '@gim/rpc';
import { BusinessConfig, startBusiness } from '@gim/business-service';

runApp('business', async () => {
  const config = loadConfig(BusinessConfig);
  return startBusiness(config, { internalSecret: resolveInternalSecret(config) });
});
