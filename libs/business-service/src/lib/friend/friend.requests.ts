import { Type } from 'class-transformer';
import { ArrayMaxSize, IsInt, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';

const MAX_ID = Number.MAX_SAFE_INTEGER;
/** Sends one CheckSends call may ask about. */
export const MAX_CHECKED_SENDS = 10_000;

/** Arguments naming a user by `userId` (the caller's app's id). */
export class UserIdFields {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
}

/** Arguments naming a user by `friendId` (the caller's app's id). */
export class FriendIdFields {
  @IsInt() @Min(1) @Max(MAX_ID) friendId!: number;
}

/** FriendExtService.Add arguments. */
export class FriendAddFields extends FriendIdFields {
  @IsString() @MaxLength(64) remarks!: string;
  @IsString() @MaxLength(255) description!: string;
}

/** FriendExtService.Agree arguments. */
export class FriendAgreeFields extends UserIdFields {
  @IsString() @MaxLength(64) remarks!: string;
}

/** FriendExtService.Set arguments. */
export class FriendSetFields extends FriendIdFields {
  @IsString() @MaxLength(64) remarks!: string;
  @IsString() @MaxLength(1024) extra!: string;
}

/** One send to check, by gim's ids. */
export class SendPairFields {
  @IsInt() @Min(1) @Max(MAX_ID) senderId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) receiverId!: number;
}

/** FriendIntService.CheckSends arguments. */
export class CheckSendsFields {
  @ArrayMaxSize(MAX_CHECKED_SENDS)
  @ValidateNested({ each: true })
  @Type(() => SendPairFields)
  pairs!: SendPairFields[];
}
