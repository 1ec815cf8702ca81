import { Injectable } from '@nestjs/common';
import { IsInt, IsPositive, IsString, Length, Matches } from 'class-validator';
import { SEARCH_LIMIT, User } from './user';
import { UserRepository } from './user.repository';

/** What to search for: an exact phone number or part of a nickname. */
export class SearchUsersCommand {
  @IsString()
  @Length(1, 64)
  @Matches(/\S/, { message: 'key must not be blank' })
  key!: string;

  /** the caller's app: only its users are searched */
  @IsInt()
  @IsPositive()
  appId!: number;
}

/** Finds at most SEARCH_LIMIT users: the one with exactly this phone number first, then nickname matches. */
@Injectable()
export class SearchUsersUseCase {
  constructor(private readonly users: UserRepository) {}

  execute(command: SearchUsersCommand): Promise<User[]> {
    return this.users.search(command.appId, command.key.trim(), SEARCH_LIMIT);
  }
}
