import { ErrorCode, GimError } from '@gim/errors';

/** A member's role (the numbers of logic.GroupMemberType). */
export const GroupRole = { Admin: 1, Member: 2, Owner: 3 } as const;
/** A member's role. */
export type GroupRole = (typeof GroupRole)[keyof typeof GroupRole];

/** A member's standing (the numbers of logic.GroupMemberStatus). */
export const MemberStatus = { Normal: 1, Muted: 2 } as const;
/** A member's standing. */
export type MemberStatus = (typeof MemberStatus)[keyof typeof MemberStatus];

/** A group's state (`chat_group.status`). */
export const GroupState = { Active: 1, Dissolved: 2 } as const;

/** A group's profile: what its owner and admins may change. */
export interface GroupProfile {
  name: string;
  avatarUrl: string;
  introduction: string;
  extra: string;
}

/** A group of one app. */
export interface Group extends GroupProfile {
  id: number;
  appId: number;
  status: number;
  memberCount: number;
}

/** A group as one read saw it, with its member version then (every membership change raises the version). */
export interface VersionedGroup extends Group {
  memberVersion: number;
}

/** One member of a group; `userId` is gim's id. */
export interface GroupMember {
  userId: number;
  role: GroupRole;
  status: number;
  nickname: string;
  extra: string;
}

/** Who asks for a change: a member (by its role), or the app's integrator, which no role rule binds. */
export type GroupActor = { kind: 'member'; member: GroupMember } | { kind: 'integrator' };

function refused(message: string): GimError {
  return new GimError(ErrorCode.GroupRoleRefused, message);
}

function isManager(actor: GroupActor): boolean {
  return actor.kind === 'integrator' || actor.member.role !== GroupRole.Member;
}

/** The group rules, one function per decision; each throws the refusal's code. */
export const groupRules = {
  /** A dissolved group accepts nothing. */
  active(group: Pick<Group, 'id' | 'status'>): void {
    if (group.status === GroupState.Dissolved)
      throw new GimError(ErrorCode.GroupDissolved, `group ${group.id} was dissolved`);
  },

  /** Profile changes and adding members: the owner and admins. */
  manage(actor: GroupActor, what: string): void {
    if (!isManager(actor)) throw refused(`only the owner and admins may ${what}`);
  },

  /** The owner removes anyone but itself; an admin removes ordinary members only. */
  remove(actor: GroupActor, target: GroupMember): void {
    if (target.role === GroupRole.Owner)
      throw refused('the owner cannot be removed; transfer ownership or dissolve the group');
    if (actor.kind === 'integrator') return;
    if (actor.member.role === GroupRole.Owner) return;
    if (actor.member.role === GroupRole.Admin && target.role === GroupRole.Member) return;
    throw refused(
      actor.member.role === GroupRole.Admin
        ? 'an admin may remove ordinary members only'
        : 'only the owner and admins may remove members',
    );
  },

  /** Setting roles, transferring ownership and dissolving: the owner only. */
  own(actor: GroupActor, what: string): void {
    if (actor.kind === 'member' && actor.member.role !== GroupRole.Owner)
      throw refused(`only the owner may ${what}`);
  },

  /** A role is set on an admin or an ordinary member: the owner's changes only by a transfer. */
  setRole(target: GroupMember): void {
    if (target.role === GroupRole.Owner) throw refused("the owner's role is changed by TransferOwnership");
  },

  /** The owner leaves only after handing the group over. */
  leave(member: GroupMember): void {
    if (member.role === GroupRole.Owner)
      throw new GimError(
        ErrorCode.GroupOwnerMustTransfer,
        'the owner must transfer ownership before leaving (or dissolve the group)',
      );
  },

  /** A muted member may not send. */
  send(member: GroupMember): void {
    if (member.status === MemberStatus.Muted)
      throw new GimError(ErrorCode.GroupMemberMuted, 'a muted member may not send to the group');
  },

  /** A group holds at most `max` members. */
  fits(group: Pick<Group, 'memberCount'>, adding: number, max: number): void {
    if (group.memberCount + adding > max)
      throw new GimError(
        ErrorCode.GroupFull,
        `the group would have ${group.memberCount + adding} members; at most ${max}`,
      );
  },
};
