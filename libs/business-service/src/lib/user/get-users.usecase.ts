import { Injectable } from '@nestjs/common';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsPositive } from 'class-validator';
import { User } from './user';
import { UserRepository } from './user.repository';

/** Most users one GetUsers call may ask for. */
export const GET_USERS_MAX = 1000;

/** Which users to read. */
export class GetUsersCommand {
  @IsArray()
  @ArrayMaxSize(GET_USERS_MAX)
  @IsInt({ each: true })
  @IsPositive({ each: true })
  userIds!: number[];

  /** the app whose ids userIds are; absent for gim's own ids */
  @IsOptional()
  @IsInt()
  @IsPositive()
  appId?: number;
}

/** Reads many users at once; ids with no user are left out. */
@Injectable()
export class GetUsersUseCase {
  constructor(private readonly users: UserRepository) {}

  execute(command: GetUsersCommand): Promise<User[]> {
    return command.appId === undefined
      ? this.users.findByIds(command.userIds)
      : this.users.findInApp(command.appId, command.userIds);
  }
}
