import { Controller, UseGuards } from '@nestjs/common';
import { businessAppInt } from '@gim/contracts';
import { InternalGuard, validated } from '@gim/rpc';
import { IsString, Length } from 'class-validator';
import { AppDirectory } from './app-directory';
import type { StoredAppKey } from './app.repository';
import {
  AddKeyCommand,
  AddKeyUseCase,
  AppIdCommand,
  type AppView,
  CreateAppCommand,
  CreateAppUseCase,
  ReadAppsUseCase,
  RemoveKeyCommand,
  RemoveKeyUseCase,
  RotateCredentialCommand,
  RotateCredentialUseCase,
  SetAppStatusCommand,
  SetAppStatusUseCase,
  UpdateSettingsCommand,
  UpdateSettingsUseCase,
} from './manage-apps.usecases';

/** A credential to verify. */
class CredentialCommand {
  @IsString()
  @Length(1, 256)
  credential!: string;
}

function toKeyMessage(key: StoredAppKey): businessAppInt.AppKey {
  return {
    kid: key.kid,
    alg: key.alg,
    publicKey: key.alg === 'HS256' ? '' : key.material,
    createdAt: key.createdAt.getTime(),
  };
}

function toAppMessage(view: AppView): businessAppInt.App {
  return {
    id: view.app.id,
    name: view.app.name,
    status: view.app.status,
    keys: view.keys.map(toKeyMessage),
    credentials: view.credentials,
    createdAt: view.app.createdAt.getTime(),
    settings: { tokenMaxLifetimeSeconds: view.app.settings.tokenMaxLifetimeSeconds },
  };
}

/** Internal `business.AppIntService`: app management, for the deployment's operators (internal credential only). */
@Controller()
@businessAppInt.AppIntServiceControllerMethods()
@UseGuards(InternalGuard)
export class AppIntGrpcController implements businessAppInt.AppIntServiceController {
  constructor(
    private readonly createApp_: CreateAppUseCase,
    private readonly readApps: ReadAppsUseCase,
    private readonly setStatus: SetAppStatusUseCase,
    private readonly rotate: RotateCredentialUseCase,
    private readonly addKey_: AddKeyUseCase,
    private readonly removeKey_: RemoveKeyUseCase,
    private readonly directory: AppDirectory,
    private readonly updateSettings_: UpdateSettingsUseCase,
  ) {}

  async updateSettings(request: businessAppInt.UpdateSettingsRequest): Promise<void> {
    const settings = request.settings ?? { tokenMaxLifetimeSeconds: 0 };
    await this.updateSettings_.execute(
      validated(UpdateSettingsCommand, { appId: request.appId, ...settings }),
    );
  }

  async verifyCredential(
    request: businessAppInt.VerifyCredentialRequest,
  ): Promise<businessAppInt.VerifyCredentialReply> {
    return { appId: await this.directory.verify(validated(CredentialCommand, request).credential) };
  }

  async createApp(request: businessAppInt.CreateAppRequest): Promise<businessAppInt.CreateAppReply> {
    const { view, credential } = await this.createApp_.execute(validated(CreateAppCommand, request));
    return { app: toAppMessage(view), credential };
  }

  async listApps(): Promise<businessAppInt.ListAppsReply> {
    return { apps: (await this.readApps.all()).map(toAppMessage) };
  }

  async getApp(request: businessAppInt.GetAppRequest): Promise<businessAppInt.App> {
    return toAppMessage(await this.readApps.execute(validated(AppIdCommand, request)));
  }

  async setAppStatus(request: businessAppInt.SetAppStatusRequest): Promise<void> {
    await this.setStatus.execute(validated(SetAppStatusCommand, request));
  }

  async rotateCredential(
    request: businessAppInt.RotateCredentialRequest,
  ): Promise<businessAppInt.RotateCredentialReply> {
    return { credential: await this.rotate.execute(validated(RotateCredentialCommand, request)) };
  }

  async addKey(request: businessAppInt.AddKeyRequest): Promise<businessAppInt.AddKeyReply> {
    const { key, generatedSecret } = await this.addKey_.execute(validated(AddKeyCommand, request));
    return { key: toKeyMessage(key), secret: generatedSecret };
  }

  async removeKey(request: businessAppInt.RemoveKeyRequest): Promise<void> {
    await this.removeKey_.execute(validated(RemoveKeyCommand, request));
  }
}
