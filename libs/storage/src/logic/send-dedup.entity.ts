import { column, defineEntity } from '../columns';

/** The stored result of a send, keyed by the client's id for it, so a retried send is stored once (table `send_dedup`). */
export class SendDedupEntity {
  senderId!: number;
  clientMsgId!: string;
  messageId!: number;
  seq!: number;
  createdAt!: Date;
}

defineEntity(SendDedupEntity, {
  table: 'send_dedup',
  columns: {
    senderId: column.u64('sending user', { primary: true }),
    clientMsgId: column.varchar(64, 'id the client chose for the send', { primary: true }),
    messageId: column.u64('message the send stored'),
    seq: column.u64('seq the message got in the sender sequence'),
    createdAt: column.createdAt(),
  },
});
