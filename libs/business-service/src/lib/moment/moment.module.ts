import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { FriendModule } from '../friend/friend.module';
import { LogicModule } from '../logic/logic.module';
import { UserModule } from '../user/user.module';
import { MomentExtGrpcController } from './moment.grpc';
import { MomentRepository } from './moment.repository';
import { MomentUseCases } from './moment.usecases';

/** Moments: posts, likes, comments and the friends' timeline. */
@Module({
  imports: [AuthModule, UserModule, LogicModule, FriendModule],
  controllers: [MomentExtGrpcController],
  providers: [MomentRepository, MomentUseCases],
})
export class MomentModule {}
