import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { logLevels, parseHostPort } from '@gim/config';
import { applySchemaFile, createDataSource, FILE_ENTITIES } from '@gim/storage';
import type { CallerAuthenticator } from './caller';
import { DiskFileStore } from './disk-file-store';
import { FileConfig } from './file.config';
import type { FileStore } from './file-store';
import { FileHttpServer } from './file-http.server';
import { FileModule } from './file.module';

/** How to start the file service besides its config. */
export interface StartFileOptions {
  /** the internal credential (resolveInternalSecret), sent on the token checks to business */
  internalSecret: string;
  /** checks callers' tokens instead of business's UserIntService.Auth */
  authenticator?: CallerAuthenticator;
  /** keeps the bytes instead of a DiskFileStore in GIM_FILE_DIR (an object store, say); opened by the caller */
  store?: FileStore;
}

/** A running file service. */
export interface RunningFile {
  /** the port the HTTP server is bound to (also when the configured one was 0) */
  port: number;
  /** Stops the HTTP server (requests in flight get a few seconds), then closes the database. */
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
  try {
    if (config.GIM_FILE_APPLY_SCHEMA) await applySchemaFile(dataSource, 'file');
    const app = await NestFactory.createApplicationContext(
      FileModule.forRoot({ ...options, config, dataSource, store }),
      { logger: logLevels(config.GIM_LOG_LEVEL), abortOnError: false },
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
            await http.close();
            await app.close();
          } finally {
            await dataSource.destroy();
          }
        })()),
    };
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}
