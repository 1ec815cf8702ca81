import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@gim/errors';
import { Group, GroupActor, GroupMember, GroupRole, groupRules, GroupState, MemberStatus } from './group';

const member = (role: GroupRole, status: number = MemberStatus.Normal): GroupMember => ({
  userId: role,
  role,
  status,
  nickname: '',
  extra: '',
});
const as = (role: GroupRole): GroupActor => ({ kind: 'member', member: member(role) });
const integrator: GroupActor = { kind: 'integrator' };
const group = (status: number = GroupState.Active, memberCount = 3): Group => ({
  id: 1,
  appId: 1,
  name: '',
  avatarUrl: '',
  introduction: '',
  extra: '',
  status,
  memberCount,
});
const refusedWith = (code: ErrorCode) => ({ code });
const { Owner, Admin, Member } = GroupRole;

void describe('group rules', () => {
  void it('lets the owner, admins and the integrator manage; ordinary members get 10222', () => {
    for (const actor of [as(Owner), as(Admin), integrator]) groupRules.manage(actor, 'add members');
    assert.throws(
      () => groupRules.manage(as(Member), 'add members'),
      refusedWith(ErrorCode.GroupRoleRefused),
    );
  });

  void it('lets the owner remove anyone else and an admin only ordinary members; nobody removes the owner', () => {
    const allowed: [GroupActor, GroupRole][] = [
      [as(Owner), Admin],
      [as(Owner), Member],
      [as(Admin), Member],
      [integrator, Admin],
      [integrator, Member],
    ];
    for (const [actor, target] of allowed) groupRules.remove(actor, member(target));
    const refused: [GroupActor, GroupRole][] = [
      [as(Admin), Admin],
      [as(Admin), Owner],
      [as(Member), Member],
      [integrator, Owner],
      [as(Owner), Owner],
    ];
    for (const [actor, target] of refused) {
      assert.throws(() => groupRules.remove(actor, member(target)), refusedWith(ErrorCode.GroupRoleRefused));
    }
  });

  void it('keeps roles, transfers and dissolving to the owner (and the integrator)', () => {
    groupRules.own(as(Owner), 'set roles');
    groupRules.own(integrator, 'set roles');
    for (const role of [Admin, Member]) {
      assert.throws(() => groupRules.own(as(role), 'set roles'), refusedWith(ErrorCode.GroupRoleRefused));
    }
  });

  void it("sets roles on admins and ordinary members only; the owner's role changes by a transfer", () => {
    groupRules.setRole(member(Admin));
    groupRules.setRole(member(Member));
    assert.throws(() => groupRules.setRole(member(Owner)), refusedWith(ErrorCode.GroupRoleRefused));
  });

  void it('makes the owner transfer before leaving, silences muted members, refuses a dissolved or full group', () => {
    assert.throws(() => groupRules.leave(member(Owner)), refusedWith(ErrorCode.GroupOwnerMustTransfer));
    groupRules.leave(member(Admin));
    assert.throws(
      () => groupRules.send(member(Member, MemberStatus.Muted)),
      refusedWith(ErrorCode.GroupMemberMuted),
    );
    groupRules.send(member(Member));
    assert.throws(
      () => groupRules.active(group(GroupState.Dissolved)),
      refusedWith(ErrorCode.GroupDissolved),
    );
    groupRules.active(group());
    groupRules.fits(group(GroupState.Active, 8), 2, 10);
    assert.throws(
      () => groupRules.fits(group(GroupState.Active, 9), 2, 10),
      refusedWith(ErrorCode.GroupFull),
    );
  });
});
