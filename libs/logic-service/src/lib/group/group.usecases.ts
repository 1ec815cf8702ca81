import { Injectable } from '@nestjs/common';
import { logicPush } from '@gim/contracts';
import { ErrorCode, GimError, badRequest } from '@gim/errors';
import { MessageCommand } from '@gim/protocol';
import { DeviceNames } from '../device/device-names';
import { LogicConfig } from '../logic.config';
import { Fanout } from '../message/fanout';
import { checkContent, type SendRecord } from '../message/message';
import { UserDirectory } from '../user/user-directory';
import { Group, GroupActor, GroupMember, GroupProfile, GroupRole, groupRules } from './group';
import { GroupDelivery } from './group-delivery';
import { GroupRepository, NewMember } from './group.repository';

/** Who calls: a signed-in user (gim ids), or an app's integrator; both act inside one app. */
export type GroupCaller =
  { kind: 'user'; appId: number; userId: number; deviceId: number } | { kind: 'integrator'; appId: number };

/** A member as callers see it: named by its app's id. */
export interface MemberView extends GroupMember {
  appUserId: number;
}

/** A member the integrator adds, named by its app's id. */
export interface IntegratorMember {
  appUserId: number;
  role: GroupRole;
  nickname: string;
  extra: string;
}

/** Largest page of ListMembers, and the page when the caller names none. */
export const MEMBERS_PAGE_MAX = 500;
const MEMBERS_PAGE_DEFAULT = 100;

/**
 * Groups: every way to create, change, read and leave one, for members (role rules apply) and integrators (they
 * do not), and every membership change told to the members as a persisted message. A group is found only in
 * the caller's app, and user ids are resolved only in it.
 */
@Injectable()
export class GroupUseCases {
  constructor(
    private readonly config: LogicConfig,
    private readonly groups: GroupRepository,
    private readonly users: UserDirectory,
    private readonly delivery: GroupDelivery,
    private readonly devices: DeviceNames,
    private readonly fanout: Fanout,
  ) {}

  /** Creates a group; a user caller becomes its owner. Returns its id. */
  async create(
    caller: GroupCaller,
    profile: GroupProfile,
    memberAppIds: readonly number[],
    integratorMembers: readonly IntegratorMember[] = [],
  ): Promise<number> {
    const members: NewMember[] = [];
    if (caller.kind === 'user') {
      members.push({ userId: caller.userId, role: GroupRole.Owner, nickname: '', extra: '' });
      const ids = await this.users.requireInApp(caller.appId, memberAppIds);
      for (const userId of ids) {
        if (userId !== caller.userId)
          members.push({ userId, role: GroupRole.Member, nickname: '', extra: '' });
      }
    } else {
      if (integratorMembers.filter((member) => member.role === GroupRole.Owner).length > 1)
        throw badRequest('members: a group has one owner at most');
      const ids = await this.users.requireInApp(
        caller.appId,
        integratorMembers.map((member) => member.appUserId),
      );
      integratorMembers.forEach((member, at) =>
        members.push({
          userId: ids[at] ?? 0,
          role: member.role,
          nickname: member.nickname,
          extra: member.extra,
        }),
      );
    }
    const unique = [...new Map(members.map((member) => [member.userId, member])).values()];
    if (unique.length > this.config.GIM_GROUP_MAX_MEMBERS)
      throw new GimError(
        ErrorCode.GroupFull,
        `a group has at most ${this.config.GIM_GROUP_MAX_MEMBERS} members; ${unique.length} were named`,
      );
    const groupId = await this.groups.create(caller.appId, profile, unique);
    if (unique.length > 0) {
      await this.notifyAdded(
        caller,
        groupId,
        unique.map((member) => member.userId),
        unique.map((member) => member.userId),
      );
    }
    return groupId;
  }

  /** Replaces the group's profile (owner or admin); the members learn it. */
  async update(caller: GroupCaller, groupId: number, profile: GroupProfile): Promise<void> {
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    groupRules.manage(actor, "change the group's profile");
    await this.groups.updateProfile(groupId, profile);
    await this.notifyUpdated(caller, group.id, { ...group, ...profile }, false);
  }

  /** The group, and the caller's membership when the caller is a user. */
  async get(caller: GroupCaller, groupId: number): Promise<{ group: Group; me: MemberView | undefined }> {
    const { group, actor } = await this.load(caller, groupId);
    const me = actor.kind === 'member' ? (await this.views([actor.member]))[0] : undefined;
    return { group, me };
  }

  /** The caller's groups. */
  mine(caller: Extract<GroupCaller, { kind: 'user' }>): Promise<Group[]> {
    return this.groups.groupsOf(caller.userId);
  }

  /** A page of members; the token is opaque to callers. */
  async members(
    caller: GroupCaller,
    groupId: number,
    pageToken: string,
    limit: number,
  ): Promise<{ members: MemberView[]; nextPageToken: string }> {
    await this.load(caller, groupId);
    if (pageToken !== '' && !/^[0-9]{1,16}$/.test(pageToken))
      throw badRequest('page_token: not a token ListMembers gave');
    const size = Math.min(limit === 0 ? MEMBERS_PAGE_DEFAULT : limit, MEMBERS_PAGE_MAX);
    const page = await this.groups.membersPage(groupId, Number(pageToken || 0), size + 1);
    const shown = page.slice(0, size);
    return {
      members: await this.views(shown),
      nextPageToken: page.length > size ? String(shown.at(-1)?.userId ?? '') : '',
    };
  }

  /** Adds members (owner or admin; the integrator with their roles); everyone in the group learns who joined. */
  async addMembers(
    caller: GroupCaller,
    groupId: number,
    memberAppIds: readonly number[],
    integratorMembers: readonly IntegratorMember[] = [],
  ): Promise<void> {
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    groupRules.manage(actor, 'add members');
    const named =
      caller.kind === 'integrator'
        ? integratorMembers
        : memberAppIds.map((appUserId) => ({ appUserId, role: GroupRole.Member, nickname: '', extra: '' }));
    if (named.some((member) => member.role === GroupRole.Owner))
      throw badRequest('members: an owner is made by TransferOwnership, not by adding');
    const ids = await this.users.requireInApp(
      caller.appId,
      named.map((member) => member.appUserId),
    );
    const members = named.map((member, at) => ({ ...member, userId: ids[at] ?? 0 }));
    groupRules.fits(group, members.length, this.config.GIM_GROUP_MAX_MEMBERS);
    const added = await this.groups.addMembers(groupId, members);
    if (added.length === 0) return;
    await this.notifyAdded(caller, groupId, added, await this.groups.memberIds(groupId));
  }

  /** Removes a member by the role rules; the members and the removed user learn it. */
  async removeMember(caller: GroupCaller, groupId: number, appUserId: number): Promise<void> {
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    const [userId] = await this.users.requireInApp(caller.appId, [appUserId]);
    const target = await this.groups.member(groupId, userId ?? 0);
    if (!target || userId === undefined)
      throw new GimError(
        ErrorCode.GroupMemberNotFound,
        `user ${appUserId} is not a member of group ${groupId}`,
      );
    if (actor.kind === 'member' && actor.member.userId === userId)
      throw badRequest('user_id: to leave a group, call Leave');
    groupRules.remove(actor, target);
    await this.drop(caller, group, userId);
  }

  /** The caller leaves (the owner must transfer ownership first). */
  async leave(caller: Extract<GroupCaller, { kind: 'user' }>, groupId: number): Promise<void> {
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    if (actor.kind === 'member') groupRules.leave(actor.member);
    await this.drop(caller, group, caller.userId);
  }

  /** Makes a member an admin or an ordinary member (owner only). */
  async setRole(caller: GroupCaller, groupId: number, appUserId: number, role: GroupRole): Promise<void> {
    if (role === GroupRole.Owner) throw badRequest('role: an owner is made by TransferOwnership');
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    groupRules.own(actor, 'set roles');
    const target = await this.memberByAppId(caller.appId, groupId, appUserId);
    if (target.role === GroupRole.Owner)
      throw new GimError(ErrorCode.GroupRoleRefused, "the owner's role is changed by TransferOwnership");
    await this.groups.setRole(groupId, target.userId, role);
  }

  /** Hands the group to another member; the old owner becomes an admin. */
  async transfer(
    caller: Extract<GroupCaller, { kind: 'user' }>,
    groupId: number,
    appUserId: number,
  ): Promise<void> {
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    groupRules.own(actor, 'transfer ownership');
    const target = await this.memberByAppId(caller.appId, groupId, appUserId);
    if (target.userId === caller.userId) throw badRequest('user_id: the caller already owns the group');
    await this.groups.transfer(groupId, caller.userId, target.userId);
  }

  /** Dissolves the group (owner only); the members learn it, and it accepts nothing after. */
  async dissolve(caller: GroupCaller, groupId: number): Promise<void> {
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    groupRules.own(actor, 'dissolve the group');
    await this.groups.dissolve(groupId);
    await this.notifyUpdated(caller, groupId, group, true);
  }

  /** A member's chat message (MC_GROUP_CHAT): one message, an inbox row for every member with its own seq. */
  async send(
    caller: Extract<GroupCaller, { kind: 'user' }>,
    groupId: number,
    content: Buffer,
    clientMsgId: string,
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<SendRecord> {
    checkContent(content, this.config.GIM_MAX_CONTENT_BYTES);
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    if (actor.kind === 'member') groupRules.send(actor.member);
    const [sender, recipients] = await Promise.all([
      this.users.profiles([caller.userId]).then((found) => found.get(caller.userId)),
      this.groups.memberIds(groupId),
    ]);
    if (!sender) throw new GimError(ErrorCode.UserNotFound, `user not found: sender ${caller.userId}`);
    const body = logicPush.GroupMessagePush.encode({
      fromUser: {
        userId: sender.appUserId,
        deviceId: await this.devices.appDeviceId(caller.deviceId),
        nickname: sender.nickname,
        avatarUrl: sender.avatarUrl,
        extra: sender.extra,
      },
      groupId,
      content,
    }).finish();
    return this.delivery.deliver(
      {
        senderId: caller.userId,
        command: MessageCommand.MC_GROUP_CHAT,
        content: Buffer.from(body),
        recipients,
        clientMsgId: clientMsgId === '' ? undefined : clientMsgId,
      },
      deadline,
    );
  }

  /** A member's chat message from its long connection, where logic knows the sender by gim's ids only. */
  async sendFromDevice(
    userId: number,
    deviceId: number,
    groupId: number,
    message: { content: Buffer; clientMsgId: string },
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<SendRecord> {
    const sender = (await this.users.profiles([userId])).get(userId);
    if (!sender) throw new GimError(ErrorCode.UserNotFound, `user not found: sender ${userId}`);
    const caller = { kind: 'user', appId: sender.appId, userId, deviceId } as const;
    return this.send(caller, groupId, message.content, message.clientMsgId, deadline);
  }

  /** The integrator's message to every member (Go gim's GroupIntService.Push); not stored unless `persist`. */
  async push(
    caller: GroupCaller,
    groupId: number,
    command: number,
    content: Buffer,
    persist: boolean,
  ): Promise<number> {
    checkContent(content, this.config.GIM_MAX_CONTENT_BYTES);
    const { group } = await this.load(caller, groupId);
    groupRules.active(group);
    const recipients = await this.groups.memberIds(groupId);
    if (persist) {
      return (await this.delivery.deliver({ senderId: 0, command, content, recipients })).messageId;
    }
    const body = { command, content, createdAt: Date.now(), messageId: 0 };
    await this.fanout.toUsers(recipients.map((userId) => ({ userId, seq: 0, body })));
    return 0;
  }

  // The group in the caller's app, and who acts: the integrator, or the calling user as a member (10201 otherwise).
  private async load(caller: GroupCaller, groupId: number): Promise<{ group: Group; actor: GroupActor }> {
    // One round trip: the caller's membership is read beside the group (and ignored when the group is not the app's).
    const [group, member] = await Promise.all([
      this.groups.find(caller.appId, groupId),
      caller.kind === 'user' ? this.groups.member(groupId, caller.userId) : undefined,
    ]);
    if (!group) throw new GimError(ErrorCode.GroupNotFound, `group ${groupId} not found`);
    if (caller.kind === 'integrator') return { group, actor: { kind: 'integrator' } };
    if (!member)
      throw new GimError(ErrorCode.UserNotInGroup, `the caller is not a member of group ${groupId}`);
    return { group, actor: { kind: 'member', member } };
  }

  private async memberByAppId(appId: number, groupId: number, appUserId: number): Promise<GroupMember> {
    const [userId] = await this.users.requireInApp(appId, [appUserId]);
    const member = await this.groups.member(groupId, userId ?? 0);
    if (!member)
      throw new GimError(
        ErrorCode.GroupMemberNotFound,
        `user ${appUserId} is not a member of group ${groupId}`,
      );
    return member;
  }

  private async views(members: readonly GroupMember[]): Promise<MemberView[]> {
    const profiles = await this.users.profiles(members.map((member) => member.userId));
    return members.map((member) => ({ ...member, appUserId: profiles.get(member.userId)?.appUserId ?? 0 }));
  }

  // Removes a member and tells the members left and the removed user.
  private async drop(caller: GroupCaller, group: Group, userId: number): Promise<void> {
    if (!(await this.groups.removeMember(group.id, userId)))
      throw new GimError(ErrorCode.GroupMemberNotFound, `the user is not a member of group ${group.id}`);
    const [operator, removed] = await this.names(caller, [userId]);
    const body = logicPush.RemoveGroupMemberPush.encode({
      ...operator,
      groupId: group.id,
      userId: removed[0] ?? 0,
    }).finish();
    const recipients = [...(await this.groups.memberIds(group.id)), userId];
    await this.delivery.deliver({
      senderId: 0,
      command: MessageCommand.MC_REMOVE_GROUP_MEMBER,
      content: Buffer.from(body),
      recipients,
    });
  }

  private async notifyAdded(
    caller: GroupCaller,
    groupId: number,
    added: readonly number[],
    recipients: readonly number[],
  ): Promise<void> {
    const [operator, addedIds] = await this.names(caller, added);
    const body = logicPush.AddGroupMembersPush.encode({ ...operator, groupId, userIds: addedIds }).finish();
    await this.delivery.deliver({
      senderId: 0,
      command: MessageCommand.MC_ADD_GROUP_MEMBERS,
      content: Buffer.from(body),
      recipients,
    });
  }

  private async notifyUpdated(
    caller: GroupCaller,
    groupId: number,
    group: GroupProfile,
    dissolved: boolean,
  ): Promise<void> {
    const [operator] = await this.names(caller, []);
    const body = logicPush.UpdateGroupPush.encode({
      ...operator,
      name: group.name,
      avatarUrl: group.avatarUrl,
      introduction: group.introduction,
      extra: group.extra,
      groupId,
      dissolved,
    }).finish();
    await this.delivery.deliver({
      senderId: 0,
      command: MessageCommand.MC_UPDATE_GROUP,
      content: Buffer.from(body),
      recipients: await this.groups.memberIds(groupId),
    });
  }

  // The operator (app id and nickname; 0 and '' for the integrator) and the app ids of `userIds`.
  private async names(
    caller: GroupCaller,
    userIds: readonly number[],
  ): Promise<[{ optId: number; optName: string }, number[]]> {
    const ids = caller.kind === 'user' ? [caller.userId, ...userIds] : [...userIds];
    const profiles = await this.users.profiles(ids);
    const operator =
      caller.kind === 'user'
        ? {
            optId: profiles.get(caller.userId)?.appUserId ?? 0,
            optName: profiles.get(caller.userId)?.nickname ?? '',
          }
        : { optId: 0, optName: '' };
    return [operator, userIds.map((id) => profiles.get(id)?.appUserId ?? 0)];
  }
}
