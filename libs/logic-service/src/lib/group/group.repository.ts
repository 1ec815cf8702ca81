import { In, MoreThan, type EntityManager } from 'typeorm';
import { ErrorCode, GimError } from '@gim/errors';
import {
  chunks,
  Database,
  GroupEntity,
  GroupMemberEntity,
  placeholders,
  sqlDateTime,
  type Transaction,
} from '@gim/storage';
import {
  Group,
  GroupMember,
  GroupProfile,
  GroupRole,
  groupRules,
  GroupState,
  MemberStatus,
  VersionedGroup,
} from './group';

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
  member_version: number | string;
}

/** A chat_group row joined with the asking user's group_member row (its columns null when not a member). */
interface GroupAndMemberRow extends GroupRow {
  user_id: number | string | null;
  role: number | string | null;
  member_status: number | string | null;
  nickname: string | null;
  member_extra: string | null;
}

/** Columns of a chat_group row read with plain SQL (as `g`). */
const GROUP_COLUMNS =
  'g.id, g.app_id, g.name, g.avatar_url, g.introduction, g.extra, g.status, g.member_count, g.member_version';

function fromGroupRow(row: GroupRow): VersionedGroup {
  return {
    id: Number(row.id),
    appId: Number(row.app_id),
    name: row.name,
    avatarUrl: row.avatar_url,
    introduction: row.introduction,
    extra: row.extra,
    status: Number(row.status),
    memberCount: Number(row.member_count),
    memberVersion: Number(row.member_version),
  };
}

/** Rows per statement when a change names many members. */
const BATCH_ROWS = 500;

/** A group_member row as plain SQL returns it. */
interface MemberRow {
  user_id: number | string;
  role: number | string;
  status: number | string;
  nickname: string;
  extra: string;
}

function fromMemberRow(row: MemberRow): GroupMember {
  return {
    userId: Number(row.user_id),
    role: Number(row.role) as GroupRole,
    status: Number(row.status),
    nickname: row.nickname,
    extra: row.extra,
  };
}

/** A member to add; `userId` is gim's id; `status` is normal unless given. */
export type NewMember = Pick<GroupMember, 'userId' | 'role' | 'nickname' | 'extra'> & {
  status?: MemberStatus;
};

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
  async find(appId: number, groupId: number): Promise<VersionedGroup | undefined> {
    const [row] = await this.db.query<GroupRow[]>(
      `SELECT ${GROUP_COLUMNS} FROM chat_group g WHERE g.id = ? AND g.app_id = ?`,
      [groupId, appId],
    );
    return row === undefined ? undefined : fromGroupRow(row);
  }

  /**
   * The app's group with this id, if any, and the user's membership in it, read together in one statement: the
   * membership is the one of the group's member version.
   */
  async findWithMember(
    appId: number,
    groupId: number,
    userId: number,
  ): Promise<{ group: VersionedGroup; member: GroupMember | undefined } | undefined> {
    // Plain SQL: this runs on every group send, where building a TypeORM query costs more than the query.
    const [row] = await this.db.query<GroupAndMemberRow[]>(
      `SELECT ${GROUP_COLUMNS}, m.user_id, m.role, m.status AS member_status, m.nickname, m.extra AS member_extra ` +
        'FROM chat_group g LEFT JOIN group_member m ON m.group_id = g.id AND m.user_id = ? ' +
        'WHERE g.id = ? AND g.app_id = ?',
      [userId, groupId, appId],
    );
    if (row === undefined) return undefined;
    const member =
      row.user_id === null
        ? undefined
        : {
            userId: Number(row.user_id),
            role: Number(row.role) as GroupRole,
            status: Number(row.member_status),
            nickname: row.nickname ?? '',
            extra: row.member_extra ?? '',
          };
    return { group: fromGroupRow(row), member };
  }

  /** One member of a group, if the user is one. */
  async member(groupId: number, userId: number): Promise<GroupMember | undefined> {
    const [row] = await this.db.query<MemberRow[]>(
      'SELECT user_id, role, status, nickname, extra FROM group_member WHERE group_id = ? AND user_id = ?',
      [groupId, userId],
    );
    return row === undefined ? undefined : fromMemberRow(row);
  }

  /** Those of the users who are members of the group, by gim id. */
  async members(groupId: number, userIds: readonly number[]): Promise<Map<number, GroupMember>> {
    const found = new Map<number, GroupMember>();
    for (const batch of chunks([...new Set(userIds)], BATCH_ROWS)) {
      const rows = await this.db.query<MemberRow[]>(
        'SELECT user_id, role, status, nickname, extra FROM group_member ' +
          `WHERE group_id = ? AND user_id IN (${placeholders(batch.length)})`,
        [groupId, ...batch],
      );
      for (const row of rows) found.set(Number(row.user_id), fromMemberRow(row));
    }
    return found;
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

  /**
   * Adds the users that are not members yet (a user named twice counts once) and returns their gim ids. Holds the
   * group's row meanwhile: a dissolved group is refused (10221), and one that would pass `maxMembers` too (10224;
   * the members already in do not count). Raises the member version when anyone joined.
   */
  async addMembers(groupId: number, members: readonly NewMember[], maxMembers: number): Promise<number[]> {
    return this.db.transaction(async (tx) => {
      const group = await this.lockGroup(tx, groupId);
      groupRules.active(group);
      const named = [...new Map(members.map((member) => [member.userId, member])).values()];
      const present = new Set(
        await this.membersAmong(
          tx,
          groupId,
          named.map((member) => member.userId),
        ),
      );
      const added = named.filter((member) => !present.has(member.userId));
      if (added.length === 0) return [];
      groupRules.fits(group, added.length, maxMembers);
      await this.insertMembers(tx.manager, groupId, added);
      await tx.query(
        'UPDATE chat_group SET member_count = member_count + ?, member_version = member_version + 1 WHERE id = ?',
        [added.length, groupId],
      );
      return added.map((member) => member.userId);
    });
  }

  /**
   * Removes those of the users who are members, with one DELETE, and returns their gim ids. Holds the group's row
   * meanwhile (a dissolved group is refused with 10221); raises the member version when anyone left.
   */
  async removeMembers(groupId: number, userIds: readonly number[]): Promise<number[]> {
    return this.db.transaction(async (tx) => {
      groupRules.active(await this.lockGroup(tx, groupId));
      const removed = await this.membersAmong(tx, groupId, [...new Set(userIds)]);
      if (removed.length === 0) return [];
      for (const batch of chunks(removed, BATCH_ROWS)) {
        await tx.query(
          `DELETE FROM group_member WHERE group_id = ? AND user_id IN (${placeholders(batch.length)})`,
          [groupId, ...batch],
        );
      }
      await tx.query(
        'UPDATE chat_group SET member_count = member_count - ?, member_version = member_version + 1 WHERE id = ?',
        [removed.length, groupId],
      );
      return removed;
    });
  }

  /** Sets a member's role, under the group's row lock; 10202 when the user is no longer a member. */
  async setRole(groupId: number, userId: number, role: GroupRole): Promise<void> {
    await this.db.transaction(async (tx) => {
      groupRules.active(await this.lockGroup(tx, groupId));
      await this.updateRole(tx, groupId, userId, role);
    });
  }

  /**
   * Makes `to` the owner and `from` an admin, together, under the group's row lock: when either has left the
   * group meanwhile, neither changes (10202), so a group never ends up without an owner.
   */
  async transfer(groupId: number, from: number, to: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      groupRules.active(await this.lockGroup(tx, groupId));
      await this.updateRole(tx, groupId, from, GroupRole.Admin);
      await this.updateRole(tx, groupId, to, GroupRole.Owner);
    });
  }

  /**
   * Marks an active group dissolved and raises its member version (a group message read before commits no
   * more); false when it was dissolved already. Its members stay listed, so the last message reaches them.
   */
  async dissolve(groupId: number): Promise<boolean> {
    const update =
      'UPDATE chat_group SET status = ?, member_version = member_version + 1 WHERE id = ? AND status = ?';
    const params = [GroupState.Dissolved, groupId, GroupState.Active];
    if (this.db.dialect === 'sqlite') {
      return (await this.db.query<unknown[]>(`${update} RETURNING id`, params)).length > 0;
    }
    return (await this.db.query<{ affectedRows: number }>(update, params)).affectedRows > 0;
  }

  // The group's state and size, its row locked until the transaction ends (on SQLite one transaction runs at a
  // time): membership changes of a group take turns, and a group message's commit, which share-locks the row,
  // waits for them and then sees the new member version.
  private async lockGroup(
    tx: Transaction,
    groupId: number,
  ): Promise<Pick<Group, 'id' | 'status' | 'memberCount'>> {
    const lock = this.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
    const [row] = await tx.query<{ status: number | string; member_count: number | string }[]>(
      `SELECT status, member_count FROM chat_group WHERE id = ?${lock}`,
      [groupId],
    );
    if (row === undefined) throw new GimError(ErrorCode.GroupNotFound, `group ${groupId} not found`);
    return { id: groupId, status: Number(row.status), memberCount: Number(row.member_count) };
  }

  // One member's role; 10202 (and the transaction rolled back) when the user is not a member.
  private async updateRole(tx: Transaction, groupId: number, userId: number, role: GroupRole): Promise<void> {
    const update = 'UPDATE group_member SET role = ?, updated_at = ? WHERE group_id = ? AND user_id = ?';
    const params = [role, sqlDateTime(Date.now()), groupId, userId];
    const changed =
      this.db.dialect === 'sqlite'
        ? (await tx.query<unknown[]>(`${update} RETURNING user_id`, params)).length
        : (await tx.query<{ affectedRows: number }>(update, params)).affectedRows;
    if (changed === 0)
      throw new GimError(ErrorCode.GroupMemberNotFound, `user is not a member of group ${groupId}`);
  }

  // Which of the users are members, read under the group's lock. A plain read: on MySQL the transaction's snapshot
  // is taken by its first plain read, which comes after the lock, so every earlier change is in it.
  private async membersAmong(
    tx: Transaction,
    groupId: number,
    userIds: readonly number[],
  ): Promise<number[]> {
    const found: number[] = [];
    for (const batch of chunks(userIds, BATCH_ROWS)) {
      const rows = await tx.query<{ user_id: number | string }[]>(
        `SELECT user_id FROM group_member WHERE group_id = ? AND user_id IN (${placeholders(batch.length)})`,
        [groupId, ...batch],
      );
      found.push(...rows.map((row) => Number(row.user_id)));
    }
    return found;
  }

  private async insertMembers(
    manager: EntityManager,
    groupId: number,
    members: readonly NewMember[],
  ): Promise<void> {
    const rows = members.map((member) => ({
      groupId,
      userId: member.userId,
      role: member.role,
      status: member.status ?? MemberStatus.Normal,
      nickname: member.nickname,
      extra: member.extra,
    }));
    for (let at = 0; at < rows.length; at += 500) {
      await manager.insert(GroupMemberEntity, rows.slice(at, at + 500));
    }
  }
}
