import { Module } from '@nestjs/common';
import { MessageSender } from '../friend/friend';
import { DeviceRegistry } from '../user/user';
import { GrpcDeviceRegistry, GrpcMessageSender } from './logic.clients';

/** The business service's gRPC clients of the logic service (devices, one-to-one messages). */
@Module({
  providers: [
    { provide: DeviceRegistry, useClass: GrpcDeviceRegistry },
    { provide: MessageSender, useClass: GrpcMessageSender },
  ],
  exports: [DeviceRegistry, MessageSender],
})
export class LogicModule {}
