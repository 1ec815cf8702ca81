import { In, MoreThan, type EntityManager } from 'typeorm';
import { Database, GroupEntity, GroupMemberEntity } from '@gim/storage';
import { Group, GroupMember, GroupProfile, GroupRole, GroupState } from './group';

function toGroup(row: GroupEntity): Group {
  return {
    id: row.id,
    appId: row.appId,
    name: row.name,
    avatarUrl: row.avatarUrl,
    introduction: row.introduction,
    extra: row.extra,
    status: row.status,
    memberCount: row.memberCount,
  };
}

function toMember(row: GroupMemberEntity): GroupMember {
  return {
    userId: row.userId,
    role: row.role as GroupRole,
    status: row.status,
    nickname: row.nickname,
    extra: row.extra,
  };
}

/** A chat_group row as plain SQL returns it (BIGINTs may come as strings). */
interface GroupRow {
  id: number | string;
  app_id: number | string;
  name: string;
  avatar_url: string;
  introduction: string;
  extra: string;
  status: number | string;
  member_count: number | string;
}

/** A group_member row as plain SQL returns it. */
interface MemberRow {
  user_id: number | string;
  role: number | string;
  status: number | string;
  nickname: string;
  extra: string;
}

/** A member to add; `userId` is gim's id. */
export type NewMember = Pick<GroupMember, 'userId' | 'role' | 'nickname' | 'extra'>;

/** Groups and their members. Every lookup of a group names its app: a group of another app does not exist here. */
export class GroupRepository {
  constructor(private readonly db: Database) {}

  /** Creates an active group with its first members; returns its id. */
  async create(appId: number, profile: GroupProfile, members: readonly NewMember[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      const insert =
        'INSERT INTO chat_group (app_id, name, avatar_url, introduction, extra, status, member_count) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?)';
      const params = [
        appId,
        profile.name,
        profile.avatarUrl,
        profile.introduction,
        profile.extra,
        GroupState.Active,
        members.length,
      ];
      const id =
        this.db.dialect === 'sqlite'
          ? Number((await tx.query<{ id: number }[]>(`${insert} RETURNING id`, params))[0]?.id)
          : Number((await tx.query<{ insertId: number }>(insert, params)).insertId);
      if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`creating a group gave no id (${id})`);
      await this.insertMembers(tx.manager, id, members);
      return id;
    });
  }

  /** The app's group with this id, if any. */
  async find(appId: number, groupId: number): Promise<Group | undefined> {
    // Plain SQL: this runs on every group send, where building a TypeORM query costs more than the query.
    const [row] = await this.db.query<GroupRow[]>(
      'SELECT id, app_id, name, avatar_url, introduction, extra, status, member_count FROM chat_group ' +
        'WHERE id = ? AND app_id = ?',
      [groupId, appId],
    );
    return row === undefined
      ? undefined
      : {
          id: Number(row.id),
          appId: Number(row.app_id),
          name: row.name,
          avatarUrl: row.avatar_url,
          introduction: row.introduction,
          extra: row.extra,
          status: Number(row.status),
          memberCount: Number(row.member_count),
        };
  }

  /** One member of a group, if the user is one. */
  async member(groupId: number, userId: number): Promise<GroupMember | undefined> {
    const [row] = await this.db.query<MemberRow[]>(
      'SELECT user_id, role, status, nickname, extra FROM group_member WHERE group_id = ? AND user_id = ?',
      [groupId, userId],
    );
    return row === undefined
      ? undefined
      : {
          userId: Number(row.user_id),
          role: Number(row.role) as GroupRole,
          status: Number(row.status),
          nickname: row.nickname,
          extra: row.extra,
        };
  }

  /** Every member's gim id: the recipients of a group message. */
  async memberIds(groupId: number): Promise<number[]> {
    const rows = await this.db.query<{ user_id: number | string }[]>(
      'SELECT user_id FROM group_member WHERE group_id = ?',
      [groupId],
    );
    return rows.map((row) => Number(row.user_id));
  }

  /** Members after `afterUserId` (gim ids, ascending), at most `limit`. */
  async membersPage(groupId: number, afterUserId: number, limit: number): Promise<GroupMember[]> {
    const rows = await this.db.run(() =>
      this.db.dataSource.getRepository(GroupMemberEntity).find({
        where: { groupId, userId: MoreThan(afterUserId) },
        order: { userId: 'ASC' },
        take: limit,
      }),
    );
    return rows.map(toMember);
  }

  /** The groups a user belongs to, oldest membership first. */
  async groupsOf(userId: number): Promise<Group[]> {
    const memberships = await this.db.run(() =>
      this.db.dataSource
        .getRepository(GroupMemberEntity)
        .find({ where: { userId }, order: { createdAt: 'ASC', groupId: 'ASC' } }),
    );
    if (memberships.length === 0) return [];
    const rows = await this.db.run(() =>
      this.db.dataSource.getRepository(GroupEntity).findBy({ id: In(memberships.map((row) => row.groupId)) }),
    );
    const byId = new Map(rows.map((row) => [row.id, toGroup(row)]));
    return memberships.flatMap((row) => byId.get(row.groupId) ?? []);
  }

  /** Replaces a group's profile. */
  async updateProfile(groupId: number, profile: GroupProfile): Promise<void> {
    await this.db.run(() => this.db.dataSource.getRepository(GroupEntity).update({ id: groupId }, profile));
  }

  /** Adds the users that are not members yet; returns the gim ids added. */
  async addMembers(groupId: number, members: readonly NewMember[]): Promise<number[]> {
    return this.db.transaction(async ({ manager }) => {
      const existing = await manager.findBy(GroupMemberEntity, {
        groupId,
        userId: In(members.map((member) => member.userId)),
      });
      const present = new Set(existing.map((row) => row.userId));
      const added = members.filter((member) => !present.has(member.userId));
      if (added.length === 0) return [];
      await this.insertMembers(manager, groupId, added);
      await manager.increment(GroupEntity, { id: groupId }, 'memberCount', added.length);
      return added.map((member) => member.userId);
    });
  }

  /** Removes a member; false when the user was not one. */
  async removeMember(groupId: number, userId: number): Promise<boolean> {
    return this.db.transaction(async ({ manager }) => {
      const result = await manager.delete(GroupMemberEntity, { groupId, userId });
      if ((result.affected ?? 0) === 0) return false;
      await manager.decrement(GroupEntity, { id: groupId }, 'memberCount', 1);
      return true;
    });
  }

  /** Sets a member's role. */
  async setRole(groupId: number, userId: number, role: GroupRole): Promise<void> {
    await this.db.run(() =>
      this.db.dataSource.getRepository(GroupMemberEntity).update({ groupId, userId }, { role }),
    );
  }

  /** Makes `to` the owner and `from` an admin, together. */
  async transfer(groupId: number, from: number, to: number): Promise<void> {
    await this.db.transaction(async ({ manager }) => {
      await manager.update(GroupMemberEntity, { groupId, userId: from }, { role: GroupRole.Admin });
      await manager.update(GroupMemberEntity, { groupId, userId: to }, { role: GroupRole.Owner });
    });
  }

  /** Marks a group dissolved; its members stay listed, so the last message reaches them. */
  async dissolve(groupId: number): Promise<void> {
    await this.db.run(() =>
      this.db.dataSource.getRepository(GroupEntity).update({ id: groupId }, { status: GroupState.Dissolved }),
    );
  }

  private async insertMembers(
    manager: EntityManager,
    groupId: number,
    members: readonly NewMember[],
  ): Promise<void> {
    const rows = members.map((member) => ({ groupId, ...member, status: 1 }));
    for (let at = 0; at < rows.length; at += 500) {
      await manager.insert(GroupMemberEntity, rows.slice(at, at + 500));
    }
  }
}
