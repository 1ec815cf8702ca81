import { column, defineEntity } from '../columns';

/**
 * One side of a relation between two users of one app (table `friend`): a request (status 1, the asker's row) or a
 * friendship (status 2, one row per side).
 */
export class FriendEntity {
  userId!: number;
  friendId!: number;
  status!: number;
  remarks!: string;
  extra!: string;
  description!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(FriendEntity, {
  table: 'friend',
  columns: {
    userId: column.u64('the user whose side this is (user id inside gim)', { primary: true }),
    friendId: column.u64('the other user (user id inside gim)', { primary: true }),
    status: column.tinyint('1 user_id asked friend_id, 2 friends'),
    remarks: column.varchar(64, 'what user_id calls friend_id', { default: '' }),
    extra: column.varchar(1024, 'free-form data of the relation, set by user_id', { default: '' }),
    description: column.varchar(255, "the request's note (status 1)", { default: '' }),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
  indices: [{ name: 'idx_friend_friend_id', columns: ['friendId'] }],
});

/** A block (table `user_block`): `blocked_id`'s requests and messages to `user_id` are refused. */
export class UserBlockEntity {
  userId!: number;
  blockedId!: number;
  createdAt!: Date;
}

defineEntity(UserBlockEntity, {
  table: 'user_block',
  columns: {
    userId: column.u64('the user who blocks (user id inside gim)', { primary: true }),
    blockedId: column.u64('the user blocked (user id inside gim)', { primary: true }),
    createdAt: column.createdAt(),
  },
  indices: [{ name: 'idx_user_block_blocked_id', columns: ['blockedId'] }],
});
