import { Module } from '@nestjs/common';
import { AuthenticateUseCase } from './authenticate.usecase';
import { TokenRepository, TypeOrmTokenRepository } from './auth.repository';
import { ExtAuthGuard } from './ext-auth.guard';
import { IssueTokenUseCase } from './issue-token.usecase';

/** Tokens: issuing them at sign-in and checking them on every authenticated call. */
@Module({
  providers: [
    { provide: TokenRepository, useClass: TypeOrmTokenRepository },
    IssueTokenUseCase,
    AuthenticateUseCase,
    ExtAuthGuard,
  ],
  exports: [IssueTokenUseCase, AuthenticateUseCase, ExtAuthGuard],
})
export class AuthModule {}
