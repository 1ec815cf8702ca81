import { badRequest } from '@gim/errors';
import { Message } from '@gim/protocol';

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

/**
 * What storing a message gave: its stored form, the first send's record for a retried client id, or, for a group
 * message whose members changed (or whose group was dissolved) since they were read, `stale`: nothing stored.
 */
export type StoreResult = StoredMessage | { duplicate: SendRecord } | { stale: GroupVersion };

/** A group and the version of its member list that a message's recipients were read at. */
export interface GroupVersion {
  groupId: number;
  memberVersion: number;
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
  /** For a message to a group's members: stored only if the group is active and its member version still this one. */
  group?: GroupVersion;
}

/** What a recipient's copy of a message is made from. */
export interface MessageBody {
  command: number;
  content: Buffer;
  createdAt: number;
  /** 0 for a message that is not stored (push-to-all, non-persisted pushes) */
  messageId: number;
}

/** The wire Message a recipient receives, live or through sync: `seq` is the recipient's (0 when not stored). */
export function wireMessage(body: MessageBody, seq: number): Message {
  return {
    command: body.command,
    content: body.content,
    seq,
    createdAt: body.createdAt,
    roomId: 0,
    messageId: body.messageId,
  };
}

/** The one rule for a message body on every path (socket, gRPC, integrator pushes): 1 to `maxBytes` bytes. */
export function checkContent(content: Buffer, maxBytes: number): void {
  if (content.length === 0) throw badRequest('content: a message needs a body of at least 1 byte');
  if (content.length > maxBytes)
    throw badRequest(`content: ${content.length} bytes exceeds the ${maxBytes}-byte limit`);
}
