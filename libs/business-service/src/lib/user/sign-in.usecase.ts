import { Injectable, Logger } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsEnum,
  IsInt,
  IsString,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { logicDevice } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { CodeVerifier } from '../auth/code-verifier';
import { IssueTokenUseCase } from '../auth/issue-token.usecase';
import { SignInLimiter } from '../auth/sign-in-limiter';
import { DeviceRegistry, PHONE_NUMBER_PATTERN, PROFILE_LIMITS } from './user';
import { UserRepository } from './user.repository';

/** The device signing in, as the client describes it. */
export class SignInDevice {
  @IsInt()
  @Min(0)
  id!: number;

  @IsEnum(logicDevice.DeviceType)
  type!: number;

  @IsString()
  @MaxLength(64)
  brand!: string;

  @IsString()
  @MaxLength(64)
  model!: string;

  @IsString()
  @MaxLength(64)
  systemVersion!: string;

  @IsString()
  @MaxLength(64)
  sdkVersion!: string;

  @IsString()
  @MaxLength(255)
  branchPushId!: string;
}

/** Sign-in with a phone number and the verification code sent to it. */
export class SignInCommand {
  @IsString()
  @MaxLength(PROFILE_LIMITS.phoneNumber)
  @Matches(PHONE_NUMBER_PATTERN, {
    message: 'phoneNumber must be 5 to 19 digits, optionally after a leading +',
  })
  phoneNumber!: string;

  @IsString()
  @Length(1, 32)
  code!: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => SignInDevice)
  device!: SignInDevice;

  /** The caller's address as the connection shows it (clientAddress), never as the request claims it. */
  @IsString()
  @Length(1, 64)
  clientAddress!: string;
}

/** A signed-in session. */
export interface SignInResult {
  isNew: boolean;
  userId: number;
  deviceId: number;
  token: string;
  tokenExpiresAt: Date;
}

/**
 * Signs a user in: checks the code within the attempt limits, finds or creates the user, registers the device
 * with logic, issues a token.
 */
@Injectable()
export class SignInUseCase {
  private readonly logger = new Logger('sign-in');

  constructor(
    private readonly limiter: SignInLimiter,
    private readonly verifier: CodeVerifier,
    private readonly users: UserRepository,
    private readonly devices: DeviceRegistry,
    private readonly issueToken: IssueTokenUseCase,
  ) {}

  async execute(command: SignInCommand): Promise<SignInResult> {
    await this.checkCode(command);
    const { user, created } = await this.users.findOrCreateByPhone(command.phoneNumber);
    const deviceId = await this.devices.save(user.id, command.device);
    const issued = await this.issueToken.execute({ userId: user.id, deviceId });
    return {
      isNew: created,
      userId: user.id,
      deviceId,
      token: issued.token,
      tokenExpiresAt: issued.expiresAt,
    };
  }

  /** Verifies the code unless the phone or the address is locked; a miss that locks the phone drops its code. */
  private async checkCode(command: SignInCommand): Promise<void> {
    const attempt = await this.limiter.begin(command.phoneNumber, command.clientAddress);
    let right: boolean;
    try {
      right = await this.verifier.verify(command.phoneNumber, command.code);
    } catch (error) {
      await this.limiter.abandoned(attempt);
      throw error;
    }
    if (right) {
      await this.limiter.succeeded(attempt);
      return;
    }
    if (this.limiter.locksPhone(attempt)) {
      await this.verifier.invalidate(command.phoneNumber).catch((error: unknown) => {
        this.logger.warn(`verification code of a locked phone not invalidated: ${String(error)}`);
      });
    }
    throw new GimError(ErrorCode.BadVerificationCode);
  }
}
