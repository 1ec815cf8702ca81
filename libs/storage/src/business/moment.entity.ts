import { column, defineEntity } from '../columns';

/** A moment: a short post its author's friends see in their timeline (table `moment`). */
export class MomentEntity {
  id!: number;
  appId!: number;
  userId!: number;
  text!: string;
  fileNames!: string;
  likeCount!: number;
  commentCount!: number;
  createdAt!: Date;
}

defineEntity(MomentEntity, {
  table: 'moment',
  columns: {
    id: column.autoId('moment id'),
    appId: column.u64('app of the author'),
    userId: column.u64('author (user id inside gim)'),
    text: column.varchar(2000, 'what the author wrote', { default: '' }),
    fileNames: column.varchar(
      640,
      'stored names of its files in the file service, a JSON array (9 names of 64 characters at most)',
      { default: '[]' },
    ),
    likeCount: column.int('likes', { default: 0 }),
    commentCount: column.int('comments', { default: 0 }),
    createdAt: column.createdAt(),
  },
  indices: [{ name: 'idx_moment_user_id', columns: ['userId', 'id'] }],
});

/** A like of a moment (table `moment_like`). */
export class MomentLikeEntity {
  momentId!: number;
  userId!: number;
  createdAt!: Date;
}

defineEntity(MomentLikeEntity, {
  table: 'moment_like',
  columns: {
    momentId: column.u64('the moment', { primary: true }),
    userId: column.u64('who liked it (user id inside gim)', { primary: true }),
    createdAt: column.createdAt(),
  },
});

/** A comment on a moment (table `moment_comment`). */
export class MomentCommentEntity {
  id!: number;
  momentId!: number;
  userId!: number;
  text!: string;
  createdAt!: Date;
}

defineEntity(MomentCommentEntity, {
  table: 'moment_comment',
  columns: {
    id: column.autoId('comment id'),
    momentId: column.u64('the moment'),
    userId: column.u64('who wrote it (user id inside gim)'),
    text: column.varchar(500, 'what they wrote'),
    createdAt: column.createdAt(),
  },
  indices: [{ name: 'idx_moment_comment_moment_id', columns: ['momentId', 'id'] }],
});
