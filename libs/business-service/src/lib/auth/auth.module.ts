import { Module } from '@nestjs/common';
import { AppModule } from '../app/app.module';
import { LogicModule } from '../logic/logic.module';
import { TypeOrmUserRepository, UserRepository } from '../user/user.repository';
import { AuthenticateUseCase } from './authenticate.usecase';
import { TokenRepository, TypeOrmTokenRepository } from './auth.repository';
import { ExtAuthGuard } from './ext-auth.guard';
import { IssueTokenUseCase } from './issue-token.usecase';
import { SignInLimiter } from './sign-in-limiter';

/** Tokens: issuing them at sign-in and checking them on every authenticated call; sign-in attempt limits. */
@Module({
  imports: [AppModule, LogicModule],
  providers: [
    { provide: UserRepository, useClass: TypeOrmUserRepository },
    { provide: TokenRepository, useClass: TypeOrmTokenRepository },
    IssueTokenUseCase,
    AuthenticateUseCase,
    ExtAuthGuard,
    SignInLimiter,
  ],
  exports: [IssueTokenUseCase, AuthenticateUseCase, ExtAuthGuard, SignInLimiter],
})
export class AuthModule {}
