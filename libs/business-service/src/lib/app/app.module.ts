import { Module, OnModuleInit } from '@nestjs/common';
import { AppCredentialVerifier, INTERNAL_SECRET } from '@gim/rpc';
import { LogicModule } from '../logic/logic.module';
import { BUSINESS_INTERNAL_SECRET } from '../business.tokens';
import { AppDirectory } from './app-directory';
import { AppIntGrpcController } from './app.grpc';
import { AppRepository } from './app.repository';
import {
  AddKeyUseCase,
  CreateAppUseCase,
  ReadAppsUseCase,
  RemoveKeyUseCase,
  RotateCredentialUseCase,
  SetAppStatusUseCase,
  UpdateSettingsUseCase,
} from './manage-apps.usecases';

/** Apps: their management API, and the cached view of their keys and credentials that sign-in uses. */
@Module({
  imports: [LogicModule],
  controllers: [AppIntGrpcController],
  providers: [
    { provide: INTERNAL_SECRET, useExisting: BUSINESS_INTERNAL_SECRET },
    AppRepository,
    AppDirectory,
    { provide: AppCredentialVerifier, useExisting: AppDirectory },
    ReadAppsUseCase,
    CreateAppUseCase,
    SetAppStatusUseCase,
    RotateCredentialUseCase,
    AddKeyUseCase,
    RemoveKeyUseCase,
    UpdateSettingsUseCase,
  ],
  exports: [AppDirectory, AppRepository, AppCredentialVerifier],
})
export class AppModule implements OnModuleInit {
  constructor(private readonly apps: AppRepository) {}

  /** Makes sure the default app exists before the first call. */
  async onModuleInit(): Promise<void> {
    await this.apps.ensureDefault();
  }
}
