import { Type } from 'class-transformer';
import { IsClientMsgId } from '../message/message.requests';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { GroupRole, MemberStatus } from './group';

const MAX_ID = Number.MAX_SAFE_INTEGER;

/** Most users one call may add to a group. */
export const MAX_MEMBERS_PER_CALL = 500;

/** A group's profile as requests carry it. */
export class GroupProfileFields {
  @IsString() @MaxLength(64) name!: string;
  @IsString() @MaxLength(255) avatarUrl!: string;
  @IsString() @MaxLength(1024) introduction!: string;
  @IsString() @MaxLength(1024) extra!: string;
}

/** A group named by a request. */
export class GroupIdFields {
  @IsInt() @Min(1) @Max(MAX_ID) groupId!: number;
}

/** A profile change of a named group. */
export class GroupUpdateFields extends GroupProfileFields {
  @IsInt() @Min(1) @Max(MAX_ID) id!: number;
}

/** Users named by their app's ids. */
export class UserIdsFields extends GroupIdFields {
  @IsArray()
  @ArrayMaxSize(MAX_MEMBERS_PER_CALL)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_ID, { each: true })
  userIds!: number[];
}

/** One user of a group, named by its app's id. */
export class GroupUserFields extends GroupIdFields {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
}

/** A role change. */
export class SetRoleFields extends GroupUserFields {
  @IsIn([GroupRole.Admin, GroupRole.Member], { message: 'role must be GMT_ADMIN (1) or GMT_MEMBER (2)' })
  role!: number;
}

/** A page of members. */
export class ListMembersFields extends GroupIdFields {
  @IsString() @MaxLength(32) pageToken!: string;
  @IsInt() @Min(0) @Max(100_000) limit!: number;
}

/** A member as the integrator names it (Go gim's GroupMember). */
export class IntegratorMemberFields {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
  @IsString() @MaxLength(64) nickname!: string;
  /** GMT_UNKNOWN (0) counts as GMT_MEMBER */
  @IsIn([0, GroupRole.Admin, GroupRole.Member, GroupRole.Owner], {
    message: 'type must be GMT_UNKNOWN (0), GMT_ADMIN (1), GMT_MEMBER (2) or GMT_OWNER (3)',
  })
  type!: number;
  /** GMS_UNKNOWN (0) counts as GMS_NORMAL */
  @IsIn([0, MemberStatus.Normal, MemberStatus.Muted], {
    message: 'status must be GMS_UNKNOWN (0), GMS_NORMAL (1) or GMS_MUTED (2)',
  })
  status!: number;
  @IsString() @MaxLength(1024) extra!: string;
}

/** Members the integrator names. */
export class IntegratorMembersFields {
  @IsArray()
  @ArrayMaxSize(MAX_MEMBERS_PER_CALL)
  @ValidateNested({ each: true })
  @Type(() => IntegratorMemberFields)
  members!: IntegratorMemberFields[];
}

/** A chat message for a group. */
export class GroupSendFields extends GroupIdFields {
  content!: Buffer;
  @IsClientMsgId()
  clientMsgId!: string;
}

/** The integrator's push to a group. */
export class GroupPushFields extends GroupIdFields {
  @IsInt() @Min(0) @Max(2 ** 31 - 1) command!: number;
  content!: Buffer;
  @IsBoolean() isPersist!: boolean;
}
