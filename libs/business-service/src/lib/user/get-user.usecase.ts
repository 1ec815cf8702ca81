import { Injectable } from '@nestjs/common';
import { IsInt, IsOptional, IsPositive } from 'class-validator';
import { ErrorCode, GimError } from '@gim/errors';
import { User } from './user';
import { UserRepository } from './user.repository';

/** Which user to read. */
export class GetUserCommand {
  @IsInt()
  @IsPositive()
  userId!: number;

  /** the caller's app, whose ids userId is in; absent for gim's own services, which name users by gim's ids */
  @IsOptional()
  @IsInt()
  @IsPositive()
  appId?: number;
}

/** Reads one user; 10301 when there is no such user. */
@Injectable()
export class GetUserUseCase {
  constructor(private readonly users: UserRepository) {}

  async execute(command: GetUserCommand): Promise<User> {
    const user =
      command.appId === undefined
        ? await this.users.findById(command.userId)
        : (await this.users.findInApp(command.appId, [command.userId]))[0];
    if (!user) throw new GimError(ErrorCode.UserNotFound, `user not found: ${command.userId}`);
    return user;
  }
}
