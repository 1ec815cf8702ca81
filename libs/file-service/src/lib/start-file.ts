import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { drainBudgetMs, parseHostPort } from '@gim/config';
import { OpsServer, processLoggerFor, serviceOps } from '@gim/ops';
import { DownstreamHealth } from '@gim/rpc';
import { applySchemaFile, createDataSource, FILE_ENTITIES } from '@gim/storage';
import type { CallerAuthenticator } from './caller';
import { DiskFileStore } from './disk-file-store';
import { FileConfig } from './file.config';
import type { FileStore } from './file-store';
import { FileHttpServer } from './file-http.server';
import { FileModule } from './file.module';

/** How to start the file service besides its config. */
export interface StartFileOptions {
  /** the internal credential (resolveInternalSecret), sent on the token checks to business and required on internal routes */
  internalSecret: string;
  /** checks callers' tokens instead of business's UserIntService.Auth */
  authenticator?: CallerAuthenticator;
  /** keeps the bytes instead of a DiskFileStore in GIM_FILE_DIR (an object store, say); opened by the caller */
  store?: FileStore;
  /** the process's ops server (standalone shares one); without one the file app opens its own on GIM_OPS_LISTEN */
  ops?: OpsServer;
  /** called first thing on close, when the file app starts refusing new requests (readiness turns false) */
  onDraining?: () => void;
}

/** Where the file app's ops server listens when GIM_OPS_LISTEN is empty. */
export const FILE_DEFAULT_OPS_LISTEN = '0.0.0.0:9085';

/** A running file service. */
export interface RunningFile {
  /** the port the HTTP server is bound to (also when the configured one was 0) */
  port: number;
  /** Stops the HTTP server (requests in flight get most of GIM_SHUTDOWN_TIMEOUT_MS), then closes the database. */
  close(): Promise<void>;
}

/** Opens the store and the database (applying sql/file.sql on MySQL when configured) and serves files over HTTP. */
export async function startFile(config: FileConfig, options: StartFileOptions): Promise<RunningFile> {
  const logger = new Logger('file');
  const listen = parseHostPort(config.GIM_FILE_HTTP_URL);
  if (!listen) throw new Error(`GIM_FILE_HTTP_URL is not host:port: ${config.GIM_FILE_HTTP_URL}`);
  let store = options.store;
  if (!store) {
    const disk = new DiskFileStore(config.GIM_FILE_DIR, config.GIM_FILE_RESERVE_BYTES);
    await disk.open();
    store = disk;
  }
  const dataSource = await createDataSource(config.GIM_FILE_DB_URL, FILE_ENTITIES, { schema: 'file' });
  const business = new DownstreamHealth(config.GIM_BUSINESS_GRPC_ADDR);
  let closeOps = async (): Promise<void> => undefined;
  try {
    const serving = await serviceOps(options.ops, config.GIM_OPS_LISTEN || FILE_DEFAULT_OPS_LISTEN);
    const ops = serving.ops;
    closeOps = serving.close;
    ops.addCheck('file database', () => dataSource.query('SELECT 1'));
    ops.addCheck('business', () => business.check());
    if (config.GIM_FILE_APPLY_SCHEMA) await applySchemaFile(dataSource, 'file');
    const app = await NestFactory.createApplicationContext(
      FileModule.forRoot({ ...options, config, dataSource, store }),
      {
        logger: processLoggerFor({ app: 'file', format: config.GIM_LOG_FORMAT, level: config.GIM_LOG_LEVEL }),
        abortOnError: false,
      },
    );
    const http = app.get(FileHttpServer);
    let port: number;
    try {
      port = await http.listen(listen.host, listen.port);
    } catch (error) {
      await app.close();
      throw error;
    }
    if (config.NODE_ENV === 'production' && config.GIM_FILE_PUBLIC_URL === '') {
      logger.warn('GIM_FILE_PUBLIC_URL is not set: upload replies carry URLs made of the listen address');
    }
    logger.log(
      `file HTTP on ${listen.host}:${port}, files in ${options.store ? 'the given store' : config.GIM_FILE_DIR}, database ${dataSource.options.type}`,
    );
    let closing: Promise<void> | undefined;
    return {
      port,
      close: () =>
        (closing ??= (async () => {
          try {
            options.onDraining?.();
            ops.startDraining();
            await http.close(drainBudgetMs(config.GIM_SHUTDOWN_TIMEOUT_MS));
            await app.close();
          } finally {
            business.close();
            await closeOps();
            await dataSource.destroy();
          }
        })()),
    };
  } catch (error) {
    business.close();
    await closeOps();
    await dataSource.destroy();
    throw error;
  }
}
