import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { LogicModule } from '../logic/logic.module';
import { UserModule } from '../user/user.module';
import { INTERNAL_SECRET } from '@gim/rpc';
import { BUSINESS_INTERNAL_SECRET } from '../business.tokens';
import { FriendExtGrpcController, FriendIntGrpcController } from './friend.grpc';
import { FriendRepository } from './friend.repository';
import { FriendUseCases } from './friend.usecases';
import { SendMessageUseCase } from './send-message.usecase';

/** Friends, blocks and one-to-one messages, and the messaging rule logic asks about. */
@Module({
  imports: [AuthModule, UserModule, LogicModule],
  controllers: [FriendExtGrpcController, FriendIntGrpcController],
  providers: [
    SendMessageUseCase,
    FriendRepository,
    FriendUseCases,
    { provide: INTERNAL_SECRET, useExisting: BUSINESS_INTERNAL_SECRET },
  ],
  exports: [FriendRepository],
})
export class FriendModule {}
