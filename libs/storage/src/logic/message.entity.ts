import { column, defineEntity } from '../columns';

/** A persisted message, stored once whatever the number of recipients; never updated (table `message`). */
export class MessageEntity {
  id!: number;
  senderId!: number;
  command!: number;
  content!: Buffer;
  createdAt!: Date;
}

defineEntity(MessageEntity, {
  table: 'message',
  columns: {
    id: column.autoId('message id'),
    senderId: column.u64('sending user; 0 = the system or the integrating business', { default: 0 }),
    command: column.int('message command (connect.MessageCommand or a push body number)'),
    content: column.mediumBlob('message body, opaque bytes'),
    createdAt: column.createdAt(),
  },
});
