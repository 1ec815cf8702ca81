import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

import { applyDecorators } from '@nestjs/common';

const MAX_ID = Number.MAX_SAFE_INTEGER;

/** A send's client_msg_id: up to 64 printable ASCII characters; '' means "not deduplicated" (Go gim clients send none). */
export function IsClientMsgId(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    MaxLength(64),
    Matches(/^[\x21-\x7e]*$/, { message: 'clientMsgId must be printable ASCII without spaces' }),
  );
}
/** Most users one PushToUsers call may address. */
export const MAX_PUSH_USERS = 10_000;

/** MessageIntService.SendUserMessage arguments. */
export class SendUserMessageRequest {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) deviceId!: number;
  /** exactly one of toUserId and toGroupId is not 0 */
  @IsInt() @Min(0) @Max(MAX_ID) toUserId!: number;
  @IsInt() @Min(0) @Max(MAX_ID) toGroupId!: number;
  @IsClientMsgId()
  clientMsgId!: string;
  content!: Buffer;
}

/** Sends per SendUserMessages call at most. */
export const MAX_SENDS_PER_CALL = 1_000;

/** MessageIntService.PushToUsers arguments. */
export class PushToUsersRequest {
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PUSH_USERS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_ID, { each: true })
  userIds!: number[];
  @IsInt() @Min(0) @Max(2 ** 31 - 1) command!: number;
  content!: Buffer;
  @IsBoolean() isPersist!: boolean;
  /** 0: the credential's app */
  @IsInt() @Min(0) @Max(MAX_ID) appId!: number;
}

/** MessageIntService.PushToAll arguments. */
export class PushToAllRequest {
  @IsInt() @Min(0) @Max(2 ** 31 - 1) command!: number;
  content!: Buffer;
}

/** Sync arguments once the caller is known. */
export class SyncCommand {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) deviceId!: number;
  @IsInt() @Min(0) @Max(MAX_ID) seq!: number;
  /** 0 asks for the default page; anything above the maximum page is capped, not refused */
  @IsInt() @Min(0) @Max(2 ** 32 - 1) limit!: number;
}

/** Acknowledgement arguments once the caller is known. */
export class AckCommand {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) deviceId!: number;
  @IsInt() @Min(0) @Max(MAX_ID) seq!: number;
}
