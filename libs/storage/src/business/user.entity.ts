import { column, defineEntity } from '../columns';

/** A user account (table `user`). */
export class UserEntity {
  id!: number;
  phoneNumber!: string;
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
    id: column.autoId('user id'),
    phoneNumber: column.varchar(20, 'phone number the user signs in with'),
    nickname: column.varchar(64, 'display name', { default: '' }),
    sex: column.tinyint('sex: 0 unknown, 1 male, 2 female', { default: 0 }),
    avatarUrl: column.varchar(255, 'avatar image url', { default: '' }),
    extra: column.varchar(1024, 'free-form data of the integrating business', { default: '' }),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
  indices: [
    { name: 'uk_user_phone_number', columns: ['phoneNumber'], unique: true },
    { name: 'idx_user_nickname', columns: ['nickname'] },
  ],
});
