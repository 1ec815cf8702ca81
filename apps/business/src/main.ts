// The business service process: users, sign-in, tokens, profiles and friends over gRPC.
import 'reflect-metadata';
import { ConfigError, loadConfig } from '@gim/config';
import { resolveInternalSecret } from '@gim/rpc';
import { BusinessConfig, startBusiness } from '@gim/business-service';

async function main(): Promise<void> {
  let config: BusinessConfig;
  try {
    config = loadConfig(BusinessConfig);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const business = await startBusiness(config, { internalSecret: resolveInternalSecret(config) });
  const stop = (): void => {
    business.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('business: error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('business: failed to start', error);
  process.exit(1);
});
