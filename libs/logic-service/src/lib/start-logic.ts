import { Logger } from '@nestjs/common';
import { OpsServer, processLoggerFor, redisReadiness, serviceOps } from '@gim/ops';
import { NestFactory } from '@nestjs/core';
import { drainBudgetMs } from '@gim/config';
import { FanoutBus, RedisBus } from '@gim/bus';
import { DownstreamHealth, GrpcDrain, GrpcExceptionFilter, grpcServerOptions } from '@gim/rpc';
import { applySchemaFile, createDataSource, LOGIC_ENTITIES } from '@gim/storage';
import { LogicConfig } from './logic.config';
import { LogicModule } from './logic.module';
import { MemoryPresence } from './presence/memory-presence';
import { PresenceStore } from './presence/presence';
import { RedisPresence } from './presence/redis-presence';
import { MemoryRoomLog } from './room/memory-room-log';
import { RedisRoomLog } from './room/redis-room-log';
import { RoomLog } from './room/room-log';

/** A running logic service. */
export interface RunningLogic {
  close(): Promise<void>;
}

/** What startLogic may be given instead of building it from config (standalone mode shares one bus). */
export interface LogicOptions {
  internalSecret: string;
  bus?: FanoutBus;
  /** the process's ops server (standalone shares one); without one logic opens its own on GIM_OPS_LISTEN */
  ops?: OpsServer;
  /** called first thing on close, when logic starts refusing new calls (readiness turns false) */
  onDraining?: () => void;
}

/** Where logic's ops server listens when GIM_OPS_LISTEN is empty. */
export const LOGIC_DEFAULT_OPS_LISTEN = '0.0.0.0:9010';

/** Opens storage, presence and the bus, then serves logic's gRPC services until close(). */
export async function startLogic(config: LogicConfig, options: LogicOptions): Promise<RunningLogic> {
  const dataSource = await createDataSource(config.GIM_LOGIC_DB_URL, LOGIC_ENTITIES, {
    poolSize: config.GIM_LOGIC_DB_POOL,
    multiStatements: true,
    schema: 'logic',
  });
  if (config.GIM_LOGIC_APPLY_SCHEMA) await applySchemaFile(dataSource, 'logic');
  const memory = config.GIM_PRESENCE === 'memory';
  const presence: PresenceStore = memory
    ? new MemoryPresence()
    : new RedisPresence(config.GIM_REDIS_URL, config.GIM_REDIS_PREFIX);
  const ownBus = options.bus === undefined;
  if (ownBus && memory)
    throw new Error('GIM_PRESENCE=memory needs the in-process bus shared with the gateways');
  const bus = options.bus ?? new RedisBus(config.GIM_REDIS_URL);
  const roomLimits = {
    maxMessages: config.GIM_ROOM_HISTORY_MAX,
    maxAgeMs: config.GIM_ROOM_HISTORY_SECONDS * 1000,
  };
  const rooms: RoomLog = memory
    ? new MemoryRoomLog(bus, roomLimits)
    : new RedisRoomLog(config.GIM_REDIS_URL, config.GIM_REDIS_PREFIX, roomLimits);

  const logger = processLoggerFor({
    app: 'logic',
    format: config.GIM_LOG_FORMAT,
    level: config.GIM_LOG_LEVEL,
  });
  const { ops, close: closeOps } = await serviceOps(
    options.ops,
    config.GIM_OPS_LISTEN || LOGIC_DEFAULT_OPS_LISTEN,
  );
  const business = new DownstreamHealth(config.GIM_BUSINESS_GRPC_ADDR);
  const redis = memory ? undefined : redisReadiness(config.GIM_REDIS_URL);
  ops.addCheck('logic database', () => dataSource.query('SELECT 1'));
  ops.addCheck('business', () => business.check());
  if (redis) ops.addCheck('logic redis', redis.check);

  const drain = new GrpcDrain();
  const app = await NestFactory.createMicroservice(
    LogicModule.create({
      config,
      internalSecret: options.internalSecret,
      dataSource,
      bus,
      presence,
      rooms,
      drain,
    }),
    {
      ...drain.serve(grpcServerOptions(config.GIM_LOGIC_GRPC_URL, ['logic'], LOGIC_PROTO_FILES, ops)),
      logger,
    },
  );
  app.useGlobalFilters(new GrpcExceptionFilter(config.GIM_GRPC_ERRORS));
  await app.listen();
  new Logger('logic').log(
    `gRPC on ${config.GIM_LOGIC_GRPC_URL}, database ${dataSource.options.type}, presence ${config.GIM_PRESENCE}`,
  );

  return {
    async close() {
      options.onDraining?.();
      ops.startDraining();
      await drain.close(app, drainBudgetMs(config.GIM_SHUTDOWN_TIMEOUT_MS));
      business.close();
      await redis?.close();
      await closeOps();
      await presence.close();
      await rooms.close();
      if (ownBus) await bus.close();
      await dataSource.destroy();
    },
  };
}

/** The proto files logic serves. */
const LOGIC_PROTO_FILES = [
  'logic/device.int.proto',
  'logic/message.ext.proto',
  'logic/message.int.proto',
  'logic/group.int.proto',
  'logic/group.ext.proto',
  'logic/room.int.proto',
];
