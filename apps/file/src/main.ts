// The file service as its own process (cluster mode): chat files over HTTP, metadata in MySQL/MariaDB.
import 'reflect-metadata';
import { loadConfig, runApp } from '@gim/config';
import { FileConfig, startFile } from '@gim/file-service';
import { resolveInternalSecret } from '@gim/rpc';

runApp('file', async () => {
  const config = loadConfig(FileConfig);
  return startFile(config, { internalSecret: resolveInternalSecret(config) });
});
