import { Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { grpcClientOptions } from '@gim/rpc';
import { BusinessConfig } from '../business.config';
import { LOGIC_GRPC } from '../business.tokens';
import { MessageSender, UserNotifier } from '../friend/friend';
import { DeviceRegistry } from '../user/user';
import { AppConnections } from '../app/app';
import { GrpcAppConnections, GrpcDeviceRegistry, GrpcMessageSender } from './logic.clients';

/** The business service's gRPC clients of the logic service (devices, connections, one-to-one messages, notices); Nest closes them. */
@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: LOGIC_GRPC,
        inject: [BusinessConfig],
        useFactory: (config: BusinessConfig) =>
          grpcClientOptions(
            config.GIM_LOGIC_GRPC_ADDR,
            ['logic'],
            ['logic/device.int.proto', 'logic/message.int.proto'],
          ),
      },
    ]),
  ],
  providers: [
    { provide: DeviceRegistry, useClass: GrpcDeviceRegistry },
    GrpcMessageSender,
    { provide: MessageSender, useExisting: GrpcMessageSender },
    { provide: AppConnections, useClass: GrpcAppConnections },
    { provide: UserNotifier, useExisting: GrpcMessageSender },
  ],
  exports: [DeviceRegistry, MessageSender, AppConnections, UserNotifier],
})
export class LogicModule {}
