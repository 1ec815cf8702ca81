import { column, defineEntity } from '../columns';

/** A user account (table `user`). */
export class UserEntity {
  id!: number;
  appId!: number;
  appUserId!: number | null;
  tokensNotBefore!: number;
  phoneNumber!: string | null;
  nickname!: string;
  sex!: number;
  avatarUrl!: string;
  extra!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(UserEntity, {
  table: 'user',
  columns: {
    id: column.autoId('user id inside gim'),
    appId: column.u64('app the user belongs to', { default: 1 }),
    appUserId: column.u64(
      'the user id its app gave it; NULL when gim chose the id (default app), which is then id',
      { nullable: true },
    ),
    tokensNotBefore: column.u64('tokens its app signed before this time (Unix seconds) are refused', {
      default: 0,
    }),
    phoneNumber: column.varchar(20, 'phone number the user signs in with (default app); NULL for none', {
      nullable: true,
    }),
    nickname: column.varchar(64, 'display name', { default: '' }),
    sex: column.tinyint('sex: 0 unknown, 1 male, 2 female', { default: 0 }),
    avatarUrl: column.varchar(255, 'avatar image url', { default: '' }),
    extra: column.varchar(1024, 'free-form data of the integrating business', { default: '' }),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
  indices: [
    { name: 'uk_user_phone_number', columns: ['phoneNumber'], unique: true },
    { name: 'uk_user_app_user', columns: ['appId', 'appUserId'], unique: true },
    { name: 'idx_user_nickname', columns: ['nickname'] },
  ],
});
