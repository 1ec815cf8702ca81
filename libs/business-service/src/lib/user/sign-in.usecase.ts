import { Injectable } from '@nestjs/common';
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
}

/** A signed-in session. */
export interface SignInResult {
  isNew: boolean;
  userId: number;
  deviceId: number;
  token: string;
  tokenExpiresAt: Date;
}

/** Signs a user in: checks the code, finds or creates the user, registers the device with logic, issues a token. */
@Injectable()
export class SignInUseCase {
  constructor(
    private readonly verifier: CodeVerifier,
    private readonly users: UserRepository,
    private readonly devices: DeviceRegistry,
    private readonly issueToken: IssueTokenUseCase,
  ) {}

  async execute(command: SignInCommand): Promise<SignInResult> {
    if (!(await this.verifier.verify(command.phoneNumber, command.code))) {
      throw new GimError(ErrorCode.BadVerificationCode);
    }
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
}
