import { Logger } from '@nestjs/common';
import { FanoutBus, RedisBus } from '@gim/bus';
import { OpsServer, processLoggerFor, redisReadiness, serviceOps } from '@gim/ops';
import { drainBudgetMs } from '@gim/config';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { applySchemaFile, BUSINESS_ENTITIES, createDataSource } from '@gim/storage';
import { GrpcDrain, GrpcExceptionFilter, grpcServerOptions } from '@gim/rpc';
import { CodeVerifier } from './auth/code-verifier';
import { createAttemptStore } from './auth/sign-in-limiter';
import { BusinessConfig } from './business.config';
import { BusinessModule } from './business.module';

/** The proto files the business gRPC server serves. */
export const BUSINESS_PROTO_FILES = [
  'business/app.int.proto',
  'business/user.ext.proto',
  'business/user.int.proto',
  'business/friend.ext.proto',
  'business/friend.int.proto',
  'business/moment.ext.proto',
];

/** How to start the business service besides its config. */
export interface StartBusinessOptions {
  /** the internal credential (resolveInternalSecret) */
  internalSecret: string;
  /** an SMS-backed verifier; without one only GIM_DEV_VERIFICATION_CODE (development) is accepted */
  codeVerifier?: CodeVerifier;
  /** the fan-out bus shared with logic (standalone); without one a Redis bus on GIM_REDIS_URL is opened */
  bus?: FanoutBus;
  /** the process's ops server (standalone shares one); without one business opens its own on GIM_OPS_LISTEN */
  ops?: OpsServer;
  /** called first thing on close, when business starts refusing new calls (readiness turns false) */
  onDraining?: () => void;
}

/** Where business's ops server listens when GIM_OPS_LISTEN is empty. */
export const BUSINESS_DEFAULT_OPS_LISTEN = '0.0.0.0:9020';

/** A running business service. */
export interface BusinessHandle {
  /**
   * Drains the gRPC server (new calls refused, running ones finish within most of GIM_SHUTDOWN_TIMEOUT_MS),
   * then closes the attempt counters and the database.
   */
  close(): Promise<void>;
}

/** Opens the database (applying sql/business.sql on MySQL when configured) and serves the business gRPC API. */
export async function startBusiness(
  config: BusinessConfig,
  options: StartBusinessOptions,
): Promise<BusinessHandle> {
  const nestLogger = processLoggerFor({
    app: 'business',
    format: config.GIM_LOG_FORMAT,
    level: config.GIM_LOG_LEVEL,
  });
  const logger = new Logger('business');
  const dataSource = await createDataSource(config.GIM_BUSINESS_DB_URL, BUSINESS_ENTITIES, {
    schema: 'business',
  });
  const attemptStore = createAttemptStore(config);
  const ownBus = options.bus === undefined;
  const bus = options.bus ?? new RedisBus(config.GIM_REDIS_URL);
  const { ops, close: closeOps } = await serviceOps(
    options.ops,
    config.GIM_OPS_LISTEN || BUSINESS_DEFAULT_OPS_LISTEN,
  );
  const redis =
    ownBus || config.GIM_SIGN_IN_LIMITER === 'redis' ? redisReadiness(config.GIM_REDIS_URL) : undefined;
  ops.addCheck('business database', () => dataSource.query('SELECT 1'));
  if (redis) ops.addCheck('business redis', redis.check);
  const closeOwned = async (): Promise<void> => {
    await attemptStore.close();
    if (ownBus) await bus.close();
    await redis?.close();
    await closeOps();
  };
  try {
    if (config.GIM_BUSINESS_APPLY_SCHEMA) await applySchemaFile(dataSource, 'business');
    const drain = new GrpcDrain();
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(
      BusinessModule.forRoot({
        config,
        internalSecret: options.internalSecret,
        dataSource,
        codeVerifier: options.codeVerifier,
        attemptStore,
        bus,
      }),
      {
        ...drain.serve(
          grpcServerOptions(config.GIM_BUSINESS_GRPC_URL, ['business'], BUSINESS_PROTO_FILES, ops),
        ),
        bufferLogs: true,
        abortOnError: false,
        logger: nestLogger,
      },
    );
    app.useGlobalFilters(new GrpcExceptionFilter(config.GIM_GRPC_ERRORS));
    try {
      await app.listen();
    } catch (error) {
      await app.close();
      throw error;
    }
    if (!options.codeVerifier && config.GIM_DEV_VERIFICATION_CODE === '') {
      logger.warn(
        'no verification code provider and no GIM_DEV_VERIFICATION_CODE: every sign-in will be refused',
      );
    }
    logger.log(`business gRPC listening on ${config.GIM_BUSINESS_GRPC_URL}`);
    let closing: Promise<void> | undefined;
    return {
      close: () =>
        (closing ??= (async () => {
          try {
            options.onDraining?.();
            ops.startDraining();
            await drain.close(app, drainBudgetMs(config.GIM_SHUTDOWN_TIMEOUT_MS));
          } finally {
            await closeOwned();
            await dataSource.destroy();
          }
        })()),
    };
  } catch (error) {
    await closeOwned();
    await dataSource.destroy();
    throw error;
  }
}
