/** Object type of a per-user sequence in the `seq` table. */
export const SEQ_OBJECT_USER = 1;

/** A message in a user's inbox, as sync returns it. */
export interface InboxMessage {
  seq: number;
  messageId: number;
  command: number;
  content: Buffer;
  createdAt: number;
}

/** What a send or push stored: one message, and each recipient's seq for it. */
export interface StoredMessage {
  messageId: number;
  createdAt: number;
  seqs: Map<number, number>;
}

/** The recorded outcome of an idempotent send, returned again for a retry. */
export interface SendRecord {
  messageId: number;
  seq: number;
  createdAt: number;
}

/** A message to store in the inboxes of `recipients`. */
export interface NewMessage {
  senderId: number;
  command: number;
  content: Buffer;
  recipients: readonly number[];
  createdAt: number;
  /** When set, a second store with the same (senderId, clientMsgId) stores nothing and returns the first result. */
  clientMsgId?: string;
}
