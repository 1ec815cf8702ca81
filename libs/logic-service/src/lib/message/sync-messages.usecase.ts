import { Injectable } from '@nestjs/common';
import { badRequest } from '@gim/errors';
import { Message } from '@gim/protocol';
import { LogicConfig } from '../logic.config';
import { MessageRepository } from './message.repository';
import { AckCommand, SyncCommand } from './message.requests';

/** One page of a device's sync. */
export interface SyncPage {
  messages: Message[];
  hasMore: boolean;
}

/**
 * Offline sync: the user's inbox after a seq, oldest first, a page at a time. Seq 0 means "a new device":
 * it starts after the highest seq any of the user's devices acknowledged (the Go gim's behaviour).
 */
@Injectable()
export class SyncMessagesUseCase {
  constructor(
    private readonly config: LogicConfig,
    private readonly messages: MessageRepository,
  ) {}

  async execute(command: SyncCommand): Promise<SyncPage> {
    const limit = Math.min(command.limit || this.config.GIM_SYNC_PAGE_DEFAULT, this.config.GIM_SYNC_PAGE_MAX);
    const after = command.seq > 0 ? command.seq : await this.messages.highestAck(command.userId);
    const rows = await this.messages.inbox(command.userId, after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      messages: page.map((row) => ({
        command: row.command,
        content: row.content,
        seq: row.seq,
        createdAt: row.createdAt,
        roomId: 0,
        messageId: row.messageId,
      })),
      hasMore: rows.length > limit,
    };
  }
}

/** Records the highest seq a device holds; a seq the user has not reached yet is refused. */
@Injectable()
export class AckMessagesUseCase {
  constructor(private readonly messages: MessageRepository) {}

  async execute(command: AckCommand): Promise<void> {
    const current = await this.messages.currentSeq(command.userId);
    if (command.seq > current) throw badRequest(`seq: ${command.seq} is beyond the user's latest seq ${current}`);
    await this.messages.ack(command.deviceId, command.userId, command.seq);
  }
}
