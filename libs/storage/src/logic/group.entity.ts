import { column, defineEntity } from '../columns';

/** A group chat of one app (table `chat_group`; `group` is a reserved word in SQL). */
export class GroupEntity {
  id!: number;
  appId!: number;
  name!: string;
  avatarUrl!: string;
  introduction!: string;
  extra!: string;
  status!: number;
  memberCount!: number;
  memberVersion!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(GroupEntity, {
  table: 'chat_group',
  columns: {
    id: column.autoId('group id'),
    appId: column.u64('app the group belongs to; only its users may be members'),
    name: column.varchar(64, 'display name', { default: '' }),
    avatarUrl: column.varchar(255, 'avatar image url', { default: '' }),
    introduction: column.varchar(1024, 'description', { default: '' }),
    extra: column.varchar(1024, 'free-form data of the integrating business', { default: '' }),
    status: column.tinyint('1 active, 2 dissolved (accepts nothing)', { default: 1 }),
    memberCount: column.int('members now', { default: 0 }),
    memberVersion: column.u64(
      'raised by every membership change: a group message is stored only if it is unchanged since its members were read',
      { default: 0 },
    ),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
  indices: [{ name: 'idx_chat_group_app_id', columns: ['appId'] }],
});

/** One member of a group (table `group_member`). */
export class GroupMemberEntity {
  groupId!: number;
  userId!: number;
  role!: number;
  status!: number;
  nickname!: string;
  extra!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(GroupMemberEntity, {
  table: 'group_member',
  columns: {
    groupId: column.u64('group', { primary: true }),
    userId: column.u64('member (user id inside gim)', { primary: true }),
    role: column.tinyint('1 admin, 2 member, 3 owner', { default: 2 }),
    status: column.tinyint('1 normal, 2 muted (may not send)', { default: 1 }),
    nickname: column.varchar(64, 'name shown in this group', { default: '' }),
    extra: column.varchar(1024, 'free-form data of the integrating business', { default: '' }),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
  indices: [{ name: 'idx_group_member_user_id', columns: ['userId'] }],
});
