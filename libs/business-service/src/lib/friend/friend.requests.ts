import { ArrayMaxSize, IsInt, IsString, Max, MaxLength, Min, ValidateBy } from 'class-validator';

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

/** Whether every pair names two ids (safe integers above 0); checked in one pass, as a batch may hold 10,000. */
function arePairsOfIds(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  const isId = (id: unknown): boolean => typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
  return value.every(
    (pair: unknown) =>
      typeof pair === 'object' &&
      pair !== null &&
      isId((pair as { senderId?: unknown }).senderId) &&
      isId((pair as { receiverId?: unknown }).receiverId),
  );
}

/** FriendIntService.CheckSends arguments. */
export class CheckSendsFields {
  @ArrayMaxSize(MAX_CHECKED_SENDS)
  @ValidateBy({
    name: 'pairsOfIds',
    validator: {
      validate: arePairsOfIds,
      defaultMessage: () => 'pairs: every pair needs a sender_id and a receiver_id from 1 to 2^53-1',
    },
  })
  pairs!: Array<{ senderId: number; receiverId: number }>;
}
