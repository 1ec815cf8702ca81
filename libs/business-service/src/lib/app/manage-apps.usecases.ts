import { Injectable } from '@nestjs/common';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsPositive,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { badRequest, ErrorCode, GimError } from '@gim/errors';
import {
  App,
  AppConnections,
  AppState,
  DEFAULT_APP_ID,
  generateCredential,
  hashCredential,
  MAX_TOKEN_LIFETIME_SECONDS,
} from './app';
import { generateHmacSecret, importKeyMaterial, TOKEN_ALGORITHMS, type TokenAlgorithm } from './app-key';
import { AppDirectory } from './app-directory';
import { AppRepository, CREDENTIALS_KEPT, type StoredAppKey } from './app.repository';

/** An app with what management shows of it. */
export interface AppView {
  app: App;
  keys: StoredAppKey[];
  credentials: number;
}

/** Names the app a management command acts on. */
export class AppIdCommand {
  @IsInt()
  @IsPositive()
  appId!: number;
}

/** A new app. */
export class CreateAppCommand {
  @IsString()
  @Length(1, 64)
  name!: string;
}

/** A status change. */
export class SetAppStatusCommand extends AppIdCommand {
  @IsIn([AppState.Active, AppState.Disabled], { message: 'status must be AS_ACTIVE (1) or AS_DISABLED (2)' })
  status!: number;
}

/** A credential rotation. */
export class RotateCredentialCommand extends AppIdCommand {
  @IsBoolean()
  dropPrevious!: boolean;
}

/** A key to add. */
export class AddKeyCommand extends AppIdCommand {
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'kid must be 1 to 64 characters of A-Z a-z 0-9 . _ -' })
  kid!: string;

  @IsIn(TOKEN_ALGORITHMS, { message: `alg must be one of ${TOKEN_ALGORITHMS.join(', ')}` })
  alg!: TokenAlgorithm;

  @IsString()
  @MaxLength(4096)
  publicKey!: string;

  @IsString()
  @MaxLength(1024)
  secret!: string;
}

/** New settings for an app. */
export class UpdateSettingsCommand extends AppIdCommand {
  @IsInt()
  @Min(0)
  @Max(MAX_TOKEN_LIFETIME_SECONDS)
  tokenMaxLifetimeSeconds!: number;
}

/** A key to remove. */
export class RemoveKeyCommand extends AppIdCommand {
  @IsString()
  @Length(1, 64)
  kid!: string;
}

function notFound(appId: number): GimError {
  return new GimError(ErrorCode.AppNotFound, `app ${appId} does not exist`);
}

/** Reads apps for management. */
@Injectable()
export class ReadAppsUseCase {
  constructor(private readonly apps: AppRepository) {}

  /** One app with its keys and credential count. */
  async execute(command: AppIdCommand): Promise<AppView> {
    const app = await this.apps.find(command.appId);
    if (!app) throw notFound(command.appId);
    return this.view(app);
  }

  /** Every app, oldest first. */
  async all(): Promise<AppView[]> {
    return Promise.all((await this.apps.list()).map((app) => this.view(app)));
  }

  private async view(app: App): Promise<AppView> {
    const [keys, hashes] = await Promise.all([this.apps.keysOf(app.id), this.apps.credentialHashes(app.id)]);
    return { app, keys, credentials: hashes.length };
  }
}

/** Creates an app and its first integrator credential (returned once, stored only as its hash). */
@Injectable()
export class CreateAppUseCase {
  constructor(
    private readonly apps: AppRepository,
    private readonly read: ReadAppsUseCase,
  ) {}

  async execute(command: CreateAppCommand): Promise<{ view: AppView; credential: string }> {
    const app = await this.apps.create(command.name);
    const credential = generateCredential(app.id);
    await this.apps.addCredential(app.id, hashCredential(credential), CREDENTIALS_KEPT);
    return { view: await this.read.execute({ appId: app.id }), credential };
  }
}

/**
 * Activates or disables an app (never the default app, which every Go gim client lives in). Disabling also
 * closes every open connection of the app's users with 10313; its tokens and credentials are refused from
 * then on (within the directory's cache time in other business processes).
 */
@Injectable()
export class SetAppStatusUseCase {
  constructor(
    private readonly apps: AppRepository,
    private readonly directory: AppDirectory,
    private readonly connections: AppConnections,
  ) {}

  async execute(command: SetAppStatusCommand): Promise<void> {
    if (command.appId === DEFAULT_APP_ID) throw badRequest('app_id: the default app cannot be disabled');
    if (!(await this.apps.setStatus(command.appId, command.status))) throw notFound(command.appId);
    this.directory.forget(command.appId);
    if (command.status === AppState.Disabled) {
      await this.connections.closeAll(command.appId, `app ${command.appId} is disabled`);
    }
  }
}

/** Issues a new credential; the previous one stays valid unless dropped, so servers switch without downtime. */
@Injectable()
export class RotateCredentialUseCase {
  constructor(
    private readonly apps: AppRepository,
    private readonly directory: AppDirectory,
  ) {}

  async execute(command: RotateCredentialCommand): Promise<string> {
    if (!(await this.apps.find(command.appId))) throw notFound(command.appId);
    const credential = generateCredential(command.appId);
    await this.apps.addCredential(
      command.appId,
      hashCredential(credential),
      command.dropPrevious ? 1 : CREDENTIALS_KEPT,
    );
    this.directory.forget(command.appId);
    return credential;
  }
}

/** Adds a token-verification key, checked now (type, size) so that a bad key never reaches sign-in. */
@Injectable()
export class AddKeyUseCase {
  constructor(
    private readonly apps: AppRepository,
    private readonly directory: AppDirectory,
  ) {}

  /** The stored key, and the generated HS256 secret when gim made one. */
  async execute(command: AddKeyCommand): Promise<{ key: StoredAppKey; generatedSecret: string }> {
    if (command.appId === DEFAULT_APP_ID) {
      throw badRequest(
        "app_id: the default app's users sign in with gim's own tokens; create an app for yours",
      );
    }
    if (!(await this.apps.find(command.appId))) throw notFound(command.appId);
    const hmac = command.alg === 'HS256';
    if (hmac && command.publicKey !== '')
      throw badRequest('public_key: HS256 takes a secret, not a public key');
    if (!hmac && command.secret !== '')
      throw badRequest(`secret: ${command.alg} takes a public key, not a secret`);
    const generatedSecret = hmac && command.secret === '' ? generateHmacSecret() : '';
    const material = hmac ? generatedSecret || command.secret : command.publicKey;
    importKeyMaterial(command.alg, material);
    const key = { kid: command.kid, alg: command.alg, material };
    if (!(await this.apps.addKey(command.appId, key))) {
      throw badRequest(`kid: app ${command.appId} already has a key ${JSON.stringify(command.kid)}`);
    }
    this.directory.forget(command.appId);
    const stored = (await this.apps.keysOf(command.appId)).find((found) => found.kid === command.kid);
    if (!stored) throw new Error(`key ${command.kid} vanished right after it was added`);
    return { key: stored, generatedSecret };
  }
}

/** Removes a key: its tokens are refused from then on (10315). */
@Injectable()
export class RemoveKeyUseCase {
  constructor(
    private readonly apps: AppRepository,
    private readonly directory: AppDirectory,
  ) {}

  async execute(command: RemoveKeyCommand): Promise<void> {
    if (!(await this.apps.removeKey(command.appId, command.kid))) {
      throw badRequest(`kid: app ${command.appId} has no key ${JSON.stringify(command.kid)}`);
    }
    this.directory.forget(command.appId);
  }
}

/** Replaces an app's settings (they apply to tokens verified from then on). */
@Injectable()
export class UpdateSettingsUseCase {
  constructor(
    private readonly apps: AppRepository,
    private readonly directory: AppDirectory,
  ) {}

  async execute(command: UpdateSettingsCommand): Promise<void> {
    const settings = { tokenMaxLifetimeSeconds: command.tokenMaxLifetimeSeconds };
    if (!(await this.apps.updateSettings(command.appId, settings))) throw notFound(command.appId);
    this.directory.forget(command.appId);
  }
}
