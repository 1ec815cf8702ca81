import { column, defineEntity } from '../columns';

/** One entry of a user's inbox: the message at a seq of that user's sequence (table `user_message`). */
export class UserMessageEntity {
  userId!: number;
  seq!: number;
  messageId!: number;
  createdAt!: Date;
}

defineEntity(UserMessageEntity, {
  table: 'user_message',
  columns: {
    userId: column.u64('recipient user', { primary: true }),
    seq: column.u64('position in the recipient sequence', { primary: true }),
    messageId: column.u64('message id'),
    createdAt: column.createdAt(),
  },
});
