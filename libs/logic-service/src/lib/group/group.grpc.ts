import { Controller, UseGuards } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { logicGroup, logicGroupExt } from '@gim/contracts';
import { badRequest, ErrorCode, GimError } from '@gim/errors';
import { callDeadline, claimedIdentity, IntegratorGuard, integratorScope, validated } from '@gim/rpc';
import { IdentifyDevice } from '../device/identify-device';
import { Group, GroupRole, GroupState, MemberStatus } from './group';
import {
  GroupIdFields,
  GroupProfileFields,
  GroupPushFields,
  GroupSendFields,
  GroupUpdateFields,
  GroupUserFields,
  IntegratorMembersFields,
  ListMembersFields,
  SetRoleFields,
  UserIdsFields,
} from './group.requests';
import { GroupCaller, GroupUseCases, IntegratorMember, MemberView } from './group.usecases';

const EMPTY_PROFILE = {
  id: 0,
  name: '',
  avatarUrl: '',
  introduction: '',
  extra: '',
  memberCount: 0,
  dissolved: false,
};

/** A group as the `logic.Group` message shows it. */
function toGroupMessage(group: Group): logicGroup.Group {
  return {
    id: group.id,
    name: group.name,
    avatarUrl: group.avatarUrl,
    introduction: group.introduction,
    extra: group.extra,
    memberCount: group.memberCount,
    dissolved: group.status === GroupState.Dissolved,
  };
}

function toMemberMessage(member: MemberView): logicGroup.GroupMember {
  return {
    userId: member.appUserId,
    nickname: member.nickname,
    type: member.role,
    status: member.status,
    extra: member.extra,
  };
}

// The integrator's members, checked; the unspecified role and standing (0) count as an ordinary, normal member.
function integratorMembers(members: readonly logicGroup.GroupMember[]): IntegratorMember[] {
  const checked = validated(IntegratorMembersFields, { members });
  return checked.members.map((member) => ({
    appUserId: member.userId,
    role: (member.type === 0 ? GroupRole.Member : member.type) as GroupRole,
    status: (member.status === 0 ? MemberStatus.Normal : member.status) as MemberStatus,
    nickname: member.nickname,
    extra: member.extra,
  }));
}

/**
 * Integrator `logic.GroupIntService` (Go gim compatible): acts inside the app of the call's credential, with no
 * role rules; user ids are the app's.
 */
@Controller()
@UseGuards(IntegratorGuard)
@logicGroup.GroupIntServiceControllerMethods()
export class GroupIntGrpc implements logicGroup.GroupIntServiceController {
  constructor(private readonly groups: GroupUseCases) {}

  private caller(metadata: Metadata | undefined): GroupCaller {
    return { kind: 'integrator', appId: integratorScope(metadata).appId };
  }

  async push(request: logicGroup.GroupPushRequest, metadata?: Metadata): Promise<logicGroup.GroupPushReply> {
    const command = validated(GroupPushFields, request);
    const messageId = await this.groups.push(
      this.caller(metadata),
      command.groupId,
      command.command,
      command.content,
      command.isPersist,
    );
    return { messageId };
  }

  async create(
    request: logicGroup.GroupCreateRequest,
    metadata?: Metadata,
  ): Promise<logicGroup.GroupCreateReply> {
    const profile = validated(GroupProfileFields, { ...EMPTY_PROFILE, ...request.group });
    const groupId = await this.groups.create(
      this.caller(metadata),
      profile,
      [],
      integratorMembers(request.members),
    );
    return { groupId };
  }

  async update(request: logicGroup.GroupUpdateRequest, metadata?: Metadata): Promise<void> {
    const group = validated(GroupUpdateFields, { ...EMPTY_PROFILE, ...request.group });
    await this.groups.update(this.caller(metadata), group.id, group);
  }

  async get(request: logicGroup.GroupGetRequest, metadata?: Metadata): Promise<logicGroup.GroupGetReply> {
    const { groupId } = validated(GroupIdFields, request);
    return { group: toGroupMessage((await this.groups.get(this.caller(metadata), groupId)).group) };
  }

  async addMember(request: logicGroup.GroupAddMemberRequest, metadata?: Metadata): Promise<void> {
    const { groupId } = validated(GroupIdFields, request);
    await this.groups.addMembers(this.caller(metadata), groupId, [], integratorMembers(request.members));
  }

  async removeMember(request: logicGroup.GroupRemoveMemberRequest, metadata?: Metadata): Promise<void> {
    const command = validated(UserIdsFields, request);
    await this.groups.removeMembers(this.caller(metadata), command.groupId, command.userIds);
  }
}

/** Client-facing `logic.GroupExtService`: every call authenticated from its metadata; role rules apply. */
@Controller()
@logicGroupExt.GroupExtServiceControllerMethods()
export class GroupExtGrpc implements logicGroupExt.GroupExtServiceController {
  constructor(
    private readonly identify: IdentifyDevice,
    private readonly groups: GroupUseCases,
  ) {}

  private async caller(metadata: Metadata | undefined): Promise<Extract<GroupCaller, { kind: 'user' }>> {
    const identity = claimedIdentity(metadata);
    if (!identity)
      throw new GimError(
        ErrorCode.Unauthorized,
        'unauthorized: user_id, device_id and token metadata are required',
      );
    const who = await this.identify.execute(identity.userId, identity.deviceId, identity.token);
    return { kind: 'user', ...who };
  }

  async createGroup(
    request: logicGroupExt.CreateGroupRequest,
    metadata?: Metadata,
  ): Promise<logicGroupExt.CreateGroupReply> {
    const caller = await this.caller(metadata);
    const profile = validated(GroupProfileFields, { ...EMPTY_PROFILE, ...request.group });
    const { userIds } = validated(UserIdsFields, { groupId: 1, userIds: request.memberIds });
    return { groupId: await this.groups.create(caller, profile, userIds) };
  }

  async updateGroup(request: logicGroupExt.UpdateGroupRequest, metadata?: Metadata): Promise<void> {
    const caller = await this.caller(metadata);
    const group = validated(GroupUpdateFields, { ...EMPTY_PROFILE, ...request.group });
    await this.groups.update(caller, group.id, group);
  }

  async getGroup(
    request: logicGroupExt.GetGroupRequest,
    metadata?: Metadata,
  ): Promise<logicGroupExt.GetGroupReply> {
    const caller = await this.caller(metadata);
    const { group, me } = await this.groups.get(caller, validated(GroupIdFields, request).groupId);
    return { group: toGroupMessage(group), me: me ? toMemberMessage(me) : undefined };
  }

  async listMyGroups(_request: unknown, metadata?: Metadata): Promise<logicGroupExt.ListMyGroupsReply> {
    const caller = await this.caller(metadata);
    return { groups: (await this.groups.mine(caller)).map(toGroupMessage) };
  }

  async listMembers(
    request: logicGroupExt.ListMembersRequest,
    metadata?: Metadata,
  ): Promise<logicGroupExt.ListMembersReply> {
    const caller = await this.caller(metadata);
    const command = validated(ListMembersFields, request);
    const page = await this.groups.members(caller, command.groupId, command.pageToken, command.limit);
    return { members: page.members.map(toMemberMessage), nextPageToken: page.nextPageToken };
  }

  async addMembers(request: logicGroupExt.AddMembersRequest, metadata?: Metadata): Promise<void> {
    const caller = await this.caller(metadata);
    const command = validated(UserIdsFields, request);
    if (command.userIds.length === 0) throw badRequest('userIds: name at least one user');
    await this.groups.addMembers(caller, command.groupId, command.userIds);
  }

  async removeMember(request: logicGroupExt.RemoveMemberRequest, metadata?: Metadata): Promise<void> {
    const caller = await this.caller(metadata);
    const command = validated(GroupUserFields, request);
    await this.groups.removeMember(caller, command.groupId, command.userId);
  }

  async leave(request: logicGroupExt.LeaveRequest, metadata?: Metadata): Promise<void> {
    const caller = await this.caller(metadata);
    await this.groups.leave(caller, validated(GroupIdFields, request).groupId);
  }

  async setMemberRole(request: logicGroupExt.SetMemberRoleRequest, metadata?: Metadata): Promise<void> {
    const caller = await this.caller(metadata);
    const command = validated(SetRoleFields, request);
    await this.groups.setRole(caller, command.groupId, command.userId, command.role as GroupRole);
  }

  async transferOwnership(
    request: logicGroupExt.TransferOwnershipRequest,
    metadata?: Metadata,
  ): Promise<void> {
    const caller = await this.caller(metadata);
    const command = validated(GroupUserFields, request);
    await this.groups.transfer(caller, command.groupId, command.userId);
  }

  async dissolve(request: logicGroupExt.DissolveRequest, metadata?: Metadata): Promise<void> {
    const caller = await this.caller(metadata);
    await this.groups.dissolve(caller, validated(GroupIdFields, request).groupId);
  }

  async sendMessage(
    request: logicGroupExt.SendGroupMessageRequest,
    metadata?: Metadata,
    call?: unknown,
  ): Promise<logicGroupExt.SendGroupMessageReply> {
    const caller = await this.caller(metadata);
    const command = validated(GroupSendFields, request);
    return this.groups.send(
      caller,
      command.groupId,
      command.content,
      command.clientMsgId,
      callDeadline(call),
    );
  }
}
