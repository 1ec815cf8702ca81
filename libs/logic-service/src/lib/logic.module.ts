import { DynamicModule, Logger, Module } from '@nestjs/common';
import { ClientGrpc, ClientsModule } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { Channels, FanoutBus } from '@gim/bus';
import { businessAppInt, businessFriendInt, businessUserInt } from '@gim/contracts';
import {
  AppCredentialVerifier,
  grpcClientOptions,
  GrpcDrain,
  IntegratorGuard,
  INTERNAL_SECRET,
  InternalGuard,
  promiseClient,
} from '@gim/rpc';
import { Database } from '@gim/storage';
import { DeviceIntGrpc } from './device/device.grpc';
import { BusinessAppCredentials } from './app/app-credentials';
import { DeviceNames } from './device/device-names';
import { DeviceRepository } from './device/device.repository';
import { IdentifyDevice } from './device/identify-device';
import { GroupDelivery } from './group/group-delivery';
import { GroupExtGrpc, GroupIntGrpc } from './group/group.grpc';
import { GroupRepository } from './group/group.repository';
import { GroupUseCases } from './group/group.usecases';
import { SaveDeviceUseCase } from './device/save-device.usecase';
import { SignInDeviceUseCase } from './device/sign-in-device.usecase';
import { LogicConfig } from './logic.config';
import { Fanout } from './message/fanout';
import { MessageExtGrpc, MessageIntGrpc } from './message/message.grpc';
import { MessageRepository } from './message/message.repository';
import { MessagingPolicy } from './message/messaging-policy';
import { StoreQueue } from './message/store-queue';
import { PushToAllUseCase, PushToUsersUseCase } from './message/push-to-users.usecase';
import { SendUserMessageUseCase } from './message/send-user-message.usecase';
import { AckMessagesUseCase, SyncMessagesUseCase } from './message/sync-messages.usecase';
import { PresenceStore } from './presence/presence';
import { RoomIntGrpc } from './room/room.grpc';
import { RoomLog } from './room/room-log';
import { RoomPusher } from './room/room-pusher';
import { RoomUseCases } from './room/room.usecases';
import { UserDirectory } from './user/user-directory';

/** What logic's module is built from; created by startLogic. */
export interface LogicRuntime {
  config: LogicConfig;
  internalSecret: string;
  dataSource: DataSource;
  bus: FanoutBus;
  presence: PresenceStore;
  rooms: RoomLog;
  /** the gRPC server's drain, which ends long-lived streams on shutdown */
  drain: GrpcDrain;
}

/** Injection token of the ClientGrpc (ClientsModule) of business. */
const BUSINESS_GRPC = Symbol('BUSINESS_GRPC');

/** logic's Nest module: devices and presence, messages, sync and acknowledgements. */
@Module({})
export class LogicModule {
  /** Wires the module around already-opened storage, bus and presence. */
  static create(runtime: LogicRuntime): DynamicModule {
    const db = Database.of(runtime.dataSource);
    const settings = { internalSecret: runtime.internalSecret };
    return {
      module: LogicModule,
      imports: [
        ClientsModule.register([
          {
            name: BUSINESS_GRPC,
            ...grpcClientOptions(
              runtime.config.GIM_BUSINESS_GRPC_ADDR,
              ['business'],
              ['business/user.int.proto', 'business/app.int.proto', 'business/friend.int.proto'],
            ),
          },
        ]),
      ],
      controllers: [DeviceIntGrpc, MessageIntGrpc, MessageExtGrpc, GroupIntGrpc, GroupExtGrpc, RoomIntGrpc],
      providers: [
        { provide: LogicConfig, useValue: runtime.config },
        { provide: INTERNAL_SECRET, useValue: runtime.internalSecret },
        { provide: DataSource, useValue: runtime.dataSource },
        { provide: FanoutBus, useValue: runtime.bus },
        { provide: PresenceStore, useValue: runtime.presence },
        { provide: RoomLog, useValue: runtime.rooms },
        { provide: GrpcDrain, useValue: runtime.drain },
        {
          provide: RoomPusher,
          useFactory: () =>
            new RoomPusher(runtime.rooms, {
              mergeMs: runtime.config.GIM_ROOM_MERGE_MS,
              maxWaiting: runtime.config.GIM_ROOM_QUEUE_MAX,
              maxBatch: 500,
            }),
        },
        RoomUseCases,
        { provide: Channels, useValue: new Channels(runtime.config.GIM_REDIS_PREFIX) },
        {
          provide: UserDirectory,
          inject: [BUSINESS_GRPC],
          useFactory: (grpc: ClientGrpc) =>
            new UserDirectory(
              promiseClient<businessUserInt.UserIntServiceClient>(
                grpc,
                businessUserInt.USER_INT_SERVICE_NAME,
                settings,
              ),
            ),
        },
        {
          provide: AppCredentialVerifier,
          inject: [BUSINESS_GRPC],
          useFactory: (grpc: ClientGrpc) =>
            new BusinessAppCredentials(
              promiseClient<businessAppInt.AppIntServiceClient>(
                grpc,
                businessAppInt.APP_INT_SERVICE_NAME,
                settings,
              ),
            ),
        },
        {
          provide: MessagingPolicy,
          inject: [BUSINESS_GRPC],
          useFactory: (grpc: ClientGrpc) => {
            const policy = new MessagingPolicy(
              promiseClient<businessFriendInt.FriendIntServiceClient>(
                grpc,
                businessFriendInt.FRIEND_INT_SERVICE_NAME,
                settings,
              ),
            );
            // Not awaited: logic starts while Redis is away; verdicts kept meanwhile expire after 30 s at most.
            policy
              .listen(runtime.bus, new Channels(runtime.config.GIM_REDIS_PREFIX).relations())
              .catch((error: unknown) =>
                new Logger('messaging').warn(`relation changes not heard: ${String(error)}`),
              );
            return policy;
          },
        },
        { provide: MessageRepository, useFactory: () => new MessageRepository(db) },
        { provide: GroupRepository, useFactory: () => new GroupRepository(db) },
        GroupDelivery,
        GroupUseCases,
        { provide: DeviceRepository, useFactory: () => new DeviceRepository(db) },
        {
          provide: DeviceNames,
          inject: [DeviceRepository],
          useFactory: (devices: DeviceRepository) => new DeviceNames(devices),
        },
        {
          provide: StoreQueue,
          inject: [MessageRepository],
          useFactory: (messages: MessageRepository) =>
            new StoreQueue(messages, {
              maxWaiting: runtime.config.GIM_STORE_QUEUE_MAX,
              maxBatch: runtime.config.GIM_STORE_BATCH_MAX,
              maxWaitMs: runtime.config.GIM_STORE_MAX_WAIT_MS,
              concurrency: runtime.config.GIM_STORE_CONCURRENCY,
            }),
        },
        {
          provide: Fanout,
          useFactory: (bus: FanoutBus, channels: Channels, presence: PresenceStore) =>
            new Fanout(bus, channels, presence),
          inject: [FanoutBus, Channels, PresenceStore],
        },
        InternalGuard,
        IntegratorGuard,
        SaveDeviceUseCase,
        IdentifyDevice,
        SignInDeviceUseCase,
        SendUserMessageUseCase,
        PushToUsersUseCase,
        PushToAllUseCase,
        SyncMessagesUseCase,
        AckMessagesUseCase,
      ],
    };
  }
}
