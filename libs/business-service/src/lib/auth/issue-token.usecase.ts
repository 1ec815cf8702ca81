import { Injectable } from '@nestjs/common';
import { BusinessConfig } from '../business.config';
import { generateToken, hashToken, IssuedToken } from './auth';
import { TokenRepository } from './auth.repository';

/** Whom a token is issued to. */
export interface IssueTokenCommand {
  userId: number;
  deviceId: number;
}

/** Issues a fresh token for a device, replacing the device's previous one; only its hash is stored. */
@Injectable()
export class IssueTokenUseCase {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly config: BusinessConfig,
  ) {}

  async execute(command: IssueTokenCommand): Promise<IssuedToken> {
    const token = generateToken();
    const expiresAt = new Date(Date.now() + this.config.GIM_TOKEN_TTL_SECONDS * 1000);
    await this.tokens.replace({
      deviceId: command.deviceId,
      userId: command.userId,
      tokenHash: hashToken(token),
      expiresAt,
    });
    return { token, expiresAt };
  }
}
