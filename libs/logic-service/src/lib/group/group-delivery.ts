import { Injectable } from '@nestjs/common';
import { Fanout } from '../message/fanout';
import { type GroupVersion, type SendRecord } from '../message/message';
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
 * devices with that recipient's seq. A message to a group's members commits only while they are still the
 * members: see `deliverToMembers`.
 */
@Injectable()
export class GroupDelivery {
  constructor(
    private readonly store: StoreQueue,
    private readonly fanout: Fanout,
  ) {}

  /** The sender's record of the message (its seq, 0 when it is not a recipient). */
  async deliver(request: GroupDeliveryRequest, deadline = Number.POSITIVE_INFINITY): Promise<SendRecord> {
    const sent = await this.storeAndPush(request, undefined, deadline);
    if (sent === 'stale') throw new Error('a message that names no group was refused as stale');
    return sent;
  }

  /**
   * Like `deliver`, for recipients read as the group's members at `members.memberVersion`: 'stale', with nothing
   * stored, when the group's membership changed since or it was dissolved (the caller reads them again).
   */
  deliverToMembers(
    request: GroupDeliveryRequest,
    members: GroupVersion,
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<SendRecord | 'stale'> {
    return this.storeAndPush(request, members, deadline);
  }

  private async storeAndPush(
    request: GroupDeliveryRequest,
    group: GroupVersion | undefined,
    deadline: number,
  ): Promise<SendRecord | 'stale'> {
    const stored = await this.store.store(
      {
        senderId: request.senderId,
        command: request.command,
        content: request.content,
        recipients: [...new Set(request.recipients)],
        createdAt: Date.now(),
        clientMsgId: request.clientMsgId,
        group,
      },
      deadline,
    );
    if ('duplicate' in stored) return stored.duplicate;
    if ('stale' in stored) return 'stale';
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
