import { Logger } from '@nestjs/common';
import { logLevels } from '@gim/config';
import { NestFactory } from '@nestjs/core';
import { FanoutBus, RedisBus } from '@gim/bus';
import { GrpcExceptionFilter, grpcServerOptions } from '@gim/rpc';
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
}

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

  const app = await NestFactory.createMicroservice(
    LogicModule.create({ config, internalSecret: options.internalSecret, dataSource, bus, presence, rooms }),
    {
      ...grpcServerOptions(config.GIM_LOGIC_GRPC_URL, ['logic'], LOGIC_PROTO_FILES),
      logger: logLevels(config.GIM_LOG_LEVEL),
    },
  );
  app.useGlobalFilters(new GrpcExceptionFilter());
  await app.listen();
  new Logger('logic').log(
    `gRPC on ${config.GIM_LOGIC_GRPC_URL}, database ${dataSource.options.type}, presence ${config.GIM_PRESENCE}`,
  );

  return {
    async close() {
      await app.close();
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
