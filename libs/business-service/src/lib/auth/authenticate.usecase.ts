import { Injectable } from '@nestjs/common';
import { IsInt, IsPositive, IsString, Length } from 'class-validator';
import { ErrorCode, GimError } from '@gim/errors';
import { Caller, hashesMatch, hashToken } from './auth';
import { TokenRepository } from './auth.repository';

/** Credentials to check: the token a device presents for a user. */
export class AuthenticateCommand {
  @IsInt()
  @IsPositive()
  userId!: number;

  @IsInt()
  @IsPositive()
  deviceId!: number;

  @IsString()
  @Length(1, 256)
  token!: string;
}

/** Accepts a token only when it is the live, unexpired token of that device, issued to that user. */
@Injectable()
export class AuthenticateUseCase {
  constructor(private readonly tokens: TokenRepository) {}

  async execute(command: AuthenticateCommand): Promise<Caller> {
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
    return { userId: command.userId, deviceId: command.deviceId };
  }
}
