import { Injectable } from '@nestjs/common';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { ErrorCode, GimError } from '@gim/errors';
import { DEFAULT_APP_ID } from '../app/app';
import { AppDirectory } from '../app/app-directory';
import { isAppToken, verifyAppToken } from '../app/app-token';
import { UserRepository } from '../user/user.repository';
import { Caller, hashesMatch, hashToken } from './auth';
import { TokenRepository } from './auth.repository';

/** Credentials to check: the token a device presents for a user (ids as the client names them). */
export class AuthenticateCommand {
  /** 0 with an app token: the token's user */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  userId!: number;

  /** 0 with an app token: the token's device */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  deviceId!: number;

  @IsString()
  @Length(1, 4096)
  token!: string;
}

/**
 * Says who a token signs in. gim's own token (from phone sign-in, default app) must be the live, unexpired token
 * of that device, issued to that user. A token the app's server signed (a JWT) must verify with one of the
 * app's keys (verifyAppToken) and be issued after the user's revocation time; its user is created in the app on
 * first sign-in. The ids a client names must be the token's (or 0).
 */
@Injectable()
export class AuthenticateUseCase {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly apps: AppDirectory,
    private readonly users: UserRepository,
  ) {}

  async execute(command: AuthenticateCommand): Promise<Caller> {
    return isAppToken(command.token) ? this.appToken(command) : this.gimToken(command);
  }

  private async appToken(command: AuthenticateCommand): Promise<Caller> {
    const claims = await verifyAppToken(command.token, (appId) => this.apps.issuer(appId));
    if (
      (command.userId !== 0 && command.userId !== claims.appUserId) ||
      (command.deviceId !== 0 && command.deviceId !== claims.appDeviceId)
    ) {
      throw new GimError(
        ErrorCode.Unauthorized,
        `unauthorized: the token signs in user ${claims.appUserId} on device ${claims.appDeviceId}, not the ids sent with it`,
      );
    }
    const user = await this.users.findOrCreateInApp(claims.appId, claims.appUserId);
    if (claims.issuedAt < user.tokensNotBefore) {
      throw new GimError(ErrorCode.TokenRevoked, "token: issued before its user's tokens were revoked");
    }
    return {
      appId: claims.appId,
      userId: user.id,
      deviceId: 0,
      appUserId: claims.appUserId,
      appDeviceId: claims.appDeviceId,
    };
  }

  private async gimToken(command: AuthenticateCommand): Promise<Caller> {
    const stored = await this.tokens.findByDevice(command.deviceId);
    const matches =
      stored !== undefined &&
      stored.userId === command.userId &&
      hashesMatch(stored.tokenHash, hashToken(command.token));
    if (!matches) {
      throw new GimError(
        ErrorCode.Unauthorized,
        'unauthorized: the token is not the live token of this user and device; sign in again',
      );
    }
    if (stored.expiresAt.getTime() <= Date.now()) {
      throw new GimError(ErrorCode.Unauthorized, 'unauthorized: the token has expired; sign in again');
    }
    return {
      appId: DEFAULT_APP_ID,
      userId: command.userId,
      deviceId: command.deviceId,
      appUserId: command.userId,
      appDeviceId: command.deviceId,
    };
  }
}
