import { Injectable } from '@nestjs/common';
import { IsInt, IsPositive } from 'class-validator';
import { ErrorCode, GimError } from '@gim/errors';
import { User } from './user';
import { UserRepository } from './user.repository';

/** Which user to read. */
export class GetUserCommand {
  @IsInt()
  @IsPositive()
  userId!: number;
}

/** Reads one user; 10301 when there is no such user. */
@Injectable()
export class GetUserUseCase {
  constructor(private readonly users: UserRepository) {}

  async execute(command: GetUserCommand): Promise<User> {
    const user = await this.users.findById(command.userId);
    if (!user) throw new GimError(ErrorCode.UserNotFound, `user not found: ${command.userId}`);
    return user;
  }
}
