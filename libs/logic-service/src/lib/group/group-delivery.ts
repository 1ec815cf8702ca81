import { Injectable } from '@nestjs/common';
import { Fanout } from '../message/fanout';
import { type SendRecord } from '../message/message';
import { StoreQueue } from '../message/store-queue';

/** A group message to store in every recipient's inbox. */
export interface GroupDeliveryRequest {
  /** gim id of the sender; 0 for gim itself (membership notices from the integrator) */
  senderId: number;
  command: number;
  content: Buffer;
  /** gim ids of the recipients (the sender among them when it should get its own copy) */
  recipients: readonly number[];
  /** makes a retry with the same (sender, id) store nothing new */
  clientMsgId?: string;
}

/**
 * Stores a message once with an inbox row in every recipient's sequence (one group commit: seqs and rows for
 * all of them in a few multi-row statements, whatever their number), then pushes it live to each one's online
 * devices with that recipient's seq.
 */
@Injectable()
export class GroupDelivery {
  constructor(
    private readonly store: StoreQueue,
    private readonly fanout: Fanout,
  ) {}

  /** The sender's record of the message (its seq, 0 when it is not a recipient). */
  async deliver(request: GroupDeliveryRequest, deadline = Number.POSITIVE_INFINITY): Promise<SendRecord> {
    const stored = await this.store.store(
      {
        senderId: request.senderId,
        command: request.command,
        content: request.content,
        recipients: [...new Set(request.recipients)],
        createdAt: Date.now(),
        clientMsgId: request.clientMsgId,
      },
      deadline,
    );
    if ('duplicate' in stored) return stored.duplicate;
    const body = {
      command: request.command,
      content: request.content,
      createdAt: stored.createdAt,
      messageId: stored.messageId,
    };
    await this.fanout.toUsers([...stored.seqs].map(([userId, seq]) => ({ userId, seq, body })));
    return {
      messageId: stored.messageId,
      seq: stored.seqs.get(request.senderId) ?? 0,
      createdAt: stored.createdAt,
    };
  }
}
