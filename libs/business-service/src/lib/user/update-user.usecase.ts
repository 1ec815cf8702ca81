import { Injectable } from '@nestjs/common';
import { IsIn, IsInt, IsPositive, IsString, MaxLength } from 'class-validator';
import { ErrorCode, GimError } from '@gim/errors';
import { PROFILE_LIMITS } from './user';
import { UserRepository } from './user.repository';

/** A user's new profile; every field is replaced (proto3 cannot tell an unset field from an empty one). */
export class UpdateUserCommand {
  /** the authenticated caller: users change only their own profile */
  @IsInt()
  @IsPositive()
  userId!: number;

  @IsString()
  @MaxLength(PROFILE_LIMITS.nickname)
  nickname!: string;

  @IsInt()
  @IsIn([0, 1, 2])
  sex!: number;

  @IsString()
  @MaxLength(PROFILE_LIMITS.avatarUrl)
  avatarUrl!: string;

  @IsString()
  @MaxLength(PROFILE_LIMITS.extra)
  extra!: string;
}

/** Replaces the caller's profile; 10301 when the user no longer exists. */
@Injectable()
export class UpdateUserUseCase {
  constructor(private readonly users: UserRepository) {}

  async execute(command: UpdateUserCommand): Promise<void> {
    const { userId, nickname, sex, avatarUrl, extra } = command;
    const found = await this.users.updateProfile(userId, { nickname, sex, avatarUrl, extra });
    if (!found) throw new GimError(ErrorCode.UserNotFound, `user not found: ${userId}`);
  }
}
