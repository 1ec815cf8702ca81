import { Injectable } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsPositive,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { badRequest, ErrorCode, GimError } from '@gim/errors';
import type { IntegratorScope } from '@gim/rpc';
import { UpdateUserCommand } from './update-user.usecase';
import { UserRepository } from './user.repository';

/** Most users one CreateUsers call may create. */
export const CREATE_USERS_MAX = 1000;

/** A user of the calling app and its profile; `userId` is the app's id for the user. */
export class AppUserProfileCommand extends UpdateUserCommand {}

/** Users an integrator creates in its app. */
export class CreateAppUsersCommand {
  @IsArray()
  @ArrayMaxSize(CREATE_USERS_MAX)
  @ArrayUnique((user: AppUserProfileCommand) => user.userId, { message: 'users must have distinct user ids' })
  @ValidateNested({ each: true })
  @Type(() => AppUserProfileCommand)
  users!: AppUserProfileCommand[];
}

/** A revocation of one user's app tokens. */
export class RevokeTokensCommand {
  @IsInt()
  @IsPositive()
  userId!: number;

  /** Unix seconds; 0 means every token issued until now */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  issuedBefore!: number;
}

function userNotFound(userId: number): GimError {
  return new GimError(ErrorCode.UserNotFound, `user not found: ${userId} in this app`);
}

/** The gim id of one of the scope's users, named by the app's id; 10301 when the app has no such user. */
async function resolve(users: UserRepository, scope: IntegratorScope, appUserId: number): Promise<number> {
  const [user] = await users.findInApp(scope.appId, [appUserId]);
  if (!user) throw userNotFound(appUserId);
  return user.id;
}

/**
 * Creates the app's users that do not exist yet, with their profiles; existing users are left as they are.
 * The default app's user ids are gim's own (phone sign-in creates them), so its integrators cannot create any.
 */
@Injectable()
export class CreateAppUsersUseCase {
  constructor(private readonly users: UserRepository) {}

  /** The ids (the app's) of the users created now. */
  async execute(scope: IntegratorScope, command: CreateAppUsersCommand): Promise<number[]> {
    if (scope.internal) {
      throw badRequest(
        "users: the default app's users are created by phone sign-in; use an app's credential",
      );
    }
    return this.users.createInApp(scope.appId, command.users);
  }
}

/** Replaces the profile of one of the app's users. */
@Injectable()
export class UpdateAppUserUseCase {
  constructor(private readonly users: UserRepository) {}

  async execute(scope: IntegratorScope, command: AppUserProfileCommand): Promise<void> {
    const { nickname, sex, avatarUrl, extra } = command;
    const id = await resolve(this.users, scope, command.userId);
    if (!(await this.users.updateProfile(id, { nickname, sex, avatarUrl, extra })))
      throw userNotFound(command.userId);
  }
}

/** Refuses the user's app tokens issued before a time; a later revocation never re-admits tokens. */
@Injectable()
export class RevokeTokensUseCase {
  constructor(private readonly users: UserRepository) {}

  async execute(scope: IntegratorScope, command: RevokeTokensCommand, nowMs = Date.now()): Promise<void> {
    const id = await resolve(this.users, scope, command.userId);
    // "Until now" includes tokens minted earlier in this very second (iat has second resolution).
    const notBefore = command.issuedBefore === 0 ? Math.floor(nowMs / 1000) + 1 : command.issuedBefore;
    await this.users.raiseTokensNotBefore(id, notBefore);
  }
}
