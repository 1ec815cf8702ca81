import { Module } from '@nestjs/common';
import { INTERNAL_SECRET } from '@gim/rpc';
import { AppModule } from '../app/app.module';
import { AuthModule } from '../auth/auth.module';
import { BUSINESS_INTERNAL_SECRET } from '../business.tokens';
import { LogicModule } from '../logic/logic.module';
import { CreateAppUsersUseCase, RevokeTokensUseCase, UpdateAppUserUseCase } from './app-users.usecases';
import { GetUserUseCase } from './get-user.usecase';
import { GetUsersUseCase } from './get-users.usecase';
import { SearchUsersUseCase } from './search-users.usecase';
import { SignInUseCase } from './sign-in.usecase';
import { UpdateUserUseCase } from './update-user.usecase';
import { UserExtGrpcController, UserIntGrpcController } from './user.grpc';
import { TypeOrmUserRepository, UserRepository } from './user.repository';

/** Users: sign-in, profiles, search, and the internal user API. */
@Module({
  imports: [AppModule, AuthModule, LogicModule],
  controllers: [UserExtGrpcController, UserIntGrpcController],
  providers: [
    { provide: UserRepository, useClass: TypeOrmUserRepository },
    { provide: INTERNAL_SECRET, useExisting: BUSINESS_INTERNAL_SECRET },
    SignInUseCase,
    GetUserUseCase,
    GetUsersUseCase,
    UpdateUserUseCase,
    SearchUsersUseCase,
    CreateAppUsersUseCase,
    UpdateAppUserUseCase,
    RevokeTokensUseCase,
  ],
  exports: [GetUserUseCase, UserRepository],
})
export class UserModule {}
