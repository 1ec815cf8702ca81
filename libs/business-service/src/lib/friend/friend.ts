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
