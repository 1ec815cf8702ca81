/** A one-to-one chat message on its way to logic. */
export interface OutgoingUserMessage {
  senderId: number;
  senderDeviceId: number;
  receiverId: number;
  /** sender-chosen id; a retry with the same id is stored once; '' is not deduplicated */
  clientMsgId: string;
  content: Buffer;
}

/** A message logic has stored, as the sender sees it. */
export interface SentMessage {
  messageId: number;
  seq: number;
}

/** Hands one-to-one messages to the logic service, which stores and delivers them. */
export abstract class MessageSender {
  /** Stores the message once (by clientMsgId) and delivers it; returns its id and the sender's seq. */
  abstract sendUserMessage(message: OutgoingUserMessage): Promise<SentMessage>;
}

/** Where a relation stands (`friend.status`). */
export const FriendStatus = { Requested: 1, Friends: 2 } as const;
/** Where a relation stands. */
export type FriendStatus = (typeof FriendStatus)[keyof typeof FriendStatus];

/** One side of a relation, by gim's user ids. */
export interface FriendRow {
  userId: number;
  friendId: number;
  status: FriendStatus;
  remarks: string;
  extra: string;
  description: string;
  createdAt: number;
}

/** A request waiting for an answer; `other` is the user on the other side of it. */
export interface PendingRequest extends FriendRow {
  other: number;
}

/** Who may send one-to-one messages to whom: everyone, or friends only (the Go gim's rule). */
export type MessagingRule = 'anyone' | 'friends';

/** Tells a user something as a stored message on every device (logic's PushToUsers, is_persist). */
export abstract class UserNotifier {
  /** Stores `content` (a `command` message) in the inbox of the app's user `appUserId` and pushes it live. */
  abstract notify(appId: number, appUserId: number, command: number, content: Uint8Array): Promise<void>;
}

/** Announces that the relation between two users changed, so that cached messaging verdicts are dropped. */
export abstract class RelationChanges {
  /** Tells every logic process that what may pass between `a` and `b` (gim's ids) may have changed. */
  abstract changed(a: number, b: number): Promise<void>;
}
