import { Injectable } from '@nestjs/common';
import { logicPush } from '@gim/contracts';
import { ErrorCode, GimError, badRequest } from '@gim/errors';
import { MessageCommand } from '@gim/protocol';
import { DeviceNames } from '../device/device-names';
import { LogicConfig } from '../logic.config';
import { Fanout } from '../message/fanout';
import { checkContent, type SendRecord } from '../message/message';
import { UserDirectory } from '../user/user-directory';
import {
  Group,
  GroupActor,
  GroupMember,
  GroupProfile,
  GroupRole,
  groupRules,
  MemberStatus,
  VersionedGroup,
} from './group';
import { GroupDelivery, GroupDeliveryRequest } from './group-delivery';
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
  status: MemberStatus;
  nickname: string;
  extra: string;
}

/** Largest page of ListMembers, and the page when the caller names none. */
export const MEMBERS_PAGE_MAX = 500;
const MEMBERS_PAGE_DEFAULT = 100;

/** Commits a group message may try while the group's membership keeps changing under it (10501 after). */
const MEMBER_SEND_ATTEMPTS = 3;

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
          status: member.status,
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
    // The profile's four fields only: a request object carries more (the id, read-only fields) that no update may write.
    const { name, avatarUrl, introduction, extra } = profile;
    await this.groups.updateProfile(groupId, { name, avatarUrl, introduction, extra });
    await this.notifyUpdated(caller, group.id, { name, avatarUrl, introduction, extra }, false);
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
    const added = await this.groups.addMembers(groupId, members, this.config.GIM_GROUP_MAX_MEMBERS);
    if (added.length === 0) return;
    await this.notifyAdded(caller, groupId, added, await this.groups.memberIds(groupId));
  }

  /** Removes a member by the role rules; the members and the removed user learn it. */
  async removeMember(caller: GroupCaller, groupId: number, appUserId: number): Promise<void> {
    await this.removeMembers(caller, groupId, [appUserId]);
  }

  /**
   * Removes members by the role rules, all in one change: when one of them is not a member or may not be removed,
   * none is. The members left and each removed user learn it.
   */
  async removeMembers(caller: GroupCaller, groupId: number, appUserIds: readonly number[]): Promise<void> {
    const { actor, group } = await this.load(caller, groupId);
    groupRules.active(group);
    const userIds = await this.users.requireInApp(caller.appId, appUserIds);
    const targets = await this.groups.members(groupId, userIds);
    const absent = appUserIds.filter((_, at) => !targets.has(userIds[at] ?? 0));
    if (absent.length > 0)
      throw new GimError(
        ErrorCode.GroupMemberNotFound,
        `not members of group ${groupId}: ${[...new Set(absent)].join(', ')}`,
      );
    for (const target of targets.values()) {
      if (actor.kind === 'member' && actor.member.userId === target.userId)
        throw badRequest('user_id: to leave a group, call Leave');
      groupRules.remove(actor, target);
    }
    await this.drop(caller, groupId, [...targets.keys()]);
  }

  /** The caller leaves (the owner must transfer ownership first). */
  async leave(caller: Extract<GroupCaller, { kind: 'user' }>, groupId: number): Promise<void> {
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    if (actor.kind === 'member') groupRules.leave(actor.member);
    await this.drop(caller, groupId, [caller.userId]);
  }

  /** Makes a member an admin or an ordinary member (owner only); the members learn it unless nothing changed. */
  async setRole(caller: GroupCaller, groupId: number, appUserId: number, role: GroupRole): Promise<void> {
    if (role === GroupRole.Owner) throw badRequest('role: an owner is made by TransferOwnership');
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    groupRules.own(actor, 'set roles');
    const target = await this.memberByAppId(caller.appId, groupId, appUserId);
    groupRules.setRole(target);
    if (target.role === role) return;
    await this.groups.setRole(groupId, target.userId, role);
    await this.notifyRoles(caller, groupId, [{ ...target, role }]);
  }

  /** Hands the group to another member; the old owner becomes an admin; the members learn both changes. */
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
    const previous = actor.kind === 'member' ? [{ ...actor.member, role: GroupRole.Admin }] : [];
    await this.notifyRoles(caller, groupId, [{ ...target, role: GroupRole.Owner }, ...previous]);
  }

  /** Dissolves the group (owner only); the members learn it, and it accepts nothing after. */
  async dissolve(caller: GroupCaller, groupId: number): Promise<void> {
    const { group, actor } = await this.load(caller, groupId);
    groupRules.active(group);
    groupRules.own(actor, 'dissolve the group');
    if (!(await this.groups.dissolve(groupId)))
      throw new GimError(ErrorCode.GroupDissolved, `group ${groupId} was dissolved`);
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
    const maySend = async (): Promise<VersionedGroup> => {
      const { group, actor } = await this.load(caller, groupId);
      groupRules.active(group);
      if (actor.kind === 'member') groupRules.send(actor.member);
      return group;
    };
    const group = await maySend();
    const [recipients, sender, deviceId] = await Promise.all([
      this.groups.memberIds(groupId),
      this.users.profiles([caller.userId]).then((found) => found.get(caller.userId)),
      this.devices.appDeviceId(caller.deviceId),
    ]);
    if (!sender) throw new GimError(ErrorCode.UserNotFound, `user not found: sender ${caller.userId}`);
    const body = logicPush.GroupMessagePush.encode({
      fromUser: {
        userId: sender.appUserId,
        deviceId,
        nickname: sender.nickname,
        avatarUrl: sender.avatarUrl,
        extra: sender.extra,
      },
      groupId,
      content,
    }).finish();
    const message = {
      senderId: caller.userId,
      command: MessageCommand.MC_GROUP_CHAT,
      content: Buffer.from(body),
      clientMsgId: clientMsgId === '' ? undefined : clientMsgId,
    };
    return this.deliverToMembers(message, { group, recipients }, maySend, deadline);
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
    const mayPush = async (): Promise<VersionedGroup> => {
      const { group } = await this.load(caller, groupId);
      groupRules.active(group);
      return group;
    };
    const group = await mayPush();
    const recipients = await this.groups.memberIds(groupId);
    if (persist) {
      const message = { senderId: 0, command, content };
      return (await this.deliverToMembers(message, { group, recipients }, mayPush)).messageId;
    }
    const body = { command, content, createdAt: Date.now(), messageId: 0 };
    await this.fanout.toUsers(recipients.map((userId) => ({ userId, seq: 0, body })));
    return 0;
  }

  // The group in the caller's app, and who acts: the integrator, or the calling user as a member (10201 otherwise).
  // One statement reads the group, its member version and the caller's membership.
  private async load(
    caller: GroupCaller,
    groupId: number,
  ): Promise<{ group: VersionedGroup; actor: GroupActor }> {
    const notFound = () => new GimError(ErrorCode.GroupNotFound, `group ${groupId} not found`);
    if (caller.kind === 'integrator') {
      const group = await this.groups.find(caller.appId, groupId);
      if (!group) throw notFound();
      return { group, actor: { kind: 'integrator' } };
    }
    const found = await this.groups.findWithMember(caller.appId, groupId, caller.userId);
    if (!found) throw notFound();
    if (!found.member)
      throw new GimError(ErrorCode.UserNotInGroup, `the caller is not a member of group ${groupId}`);
    return { group: found.group, actor: { kind: 'member', member: found.member } };
  }

  // Stores a message for the members read at the group's member version. When the membership changes before the
  // commit, nothing is stored: `reread` reads the group again (throwing the refusal when the message may no longer
  // go), and the message goes to the members read then.
  private async deliverToMembers(
    message: Omit<GroupDeliveryRequest, 'recipients'>,
    members: { group: VersionedGroup; recipients: readonly number[] },
    reread: () => Promise<VersionedGroup>,
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<SendRecord> {
    let { group, recipients } = members;
    for (let attempt = 1; ; attempt++) {
      const version = { groupId: group.id, memberVersion: group.memberVersion };
      const sent = await this.delivery.deliverToMembers({ ...message, recipients }, version, deadline);
      if (sent !== 'stale') return sent;
      if (attempt === MEMBER_SEND_ATTEMPTS)
        throw new GimError(
          ErrorCode.Busy,
          `server busy: the members of group ${group.id} kept changing while the message was stored; retry`,
        );
      group = await reread();
      recipients = await this.groups.memberIds(group.id);
    }
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

  // Removes members in one change, then tells each removed user and the members left, all notices stored together.
  private async drop(caller: GroupCaller, groupId: number, userIds: readonly number[]): Promise<void> {
    const removed = await this.groups.removeMembers(groupId, userIds);
    if (removed.length === 0)
      throw new GimError(ErrorCode.GroupMemberNotFound, `not a member of group ${groupId}`);
    const [[operator, appIds], left] = await Promise.all([
      this.names(caller, removed),
      this.groups.memberIds(groupId),
    ]);
    await Promise.all(
      removed.map((userId, at) =>
        this.delivery.deliver({
          senderId: 0,
          command: MessageCommand.MC_REMOVE_GROUP_MEMBER,
          content: Buffer.from(
            logicPush.RemoveGroupMemberPush.encode({
              ...operator,
              groupId,
              userId: appIds[at] ?? 0,
            }).finish(),
          ),
          recipients: [...left, userId],
        }),
      ),
    );
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

  // Tells every member which members' roles changed (MC_UPDATE_GROUP_MEMBER), each as it is now.
  private async notifyRoles(
    caller: GroupCaller,
    groupId: number,
    changed: readonly GroupMember[],
  ): Promise<void> {
    const [operator, appIds] = await this.names(
      caller,
      changed.map((member) => member.userId),
    );
    const body = logicPush.UpdateGroupMemberPush.encode({
      ...operator,
      groupId,
      members: changed.map((member, at) => ({
        userId: appIds[at] ?? 0,
        nickname: member.nickname,
        type: member.role,
        status: member.status,
        extra: member.extra,
      })),
    }).finish();
    await this.delivery.deliver({
      senderId: 0,
      command: MessageCommand.MC_UPDATE_GROUP_MEMBER,
      content: Buffer.from(body),
      recipients: await this.groups.memberIds(groupId),
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
