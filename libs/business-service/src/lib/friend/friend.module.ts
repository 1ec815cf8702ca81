import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { LogicModule } from '../logic/logic.module';
import { UserModule } from '../user/user.module';
import { FriendExtGrpcController } from './friend.grpc';
import { SendMessageUseCase } from './send-message.usecase';

/** Friends and one-to-one messages; for now only sending messages. */
@Module({
  imports: [AuthModule, UserModule, LogicModule],
  controllers: [FriendExtGrpcController],
  providers: [SendMessageUseCase],
})
export class FriendModule {}
