import { metrics } from '@gim/ops';
import { Injectable } from '@nestjs/common';
import { badRequest } from '@gim/errors';
import { Message } from '@gim/protocol';
import { LogicConfig } from '../logic.config';
import { InboxMessage, wireMessage } from './message';
import { MessageRepository } from './message.repository';
import { AckCommand, SyncCommand } from './message.requests';

/** One page of a device's sync. */
export interface SyncPage {
  messages: Message[];
  hasMore: boolean;
}

/**
 * Offline sync: the user's inbox after a seq, oldest first, a page at a time (bounded in count and in bytes,
 * so a reply fits a client frame). Seq 0 means "a new device":
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
    const page = rows.slice(0, withinBytes(rows, limit, this.config.GIM_SYNC_PAGE_MAX_BYTES));
    metrics.syncPages.inc();
    return {
      messages: page.map((row) => wireMessage(row, row.seq)),
      hasMore: rows.length > page.length,
    };
  }
}

/**
 * Most bytes a Message adds around its content in a SyncReply: its own tag and length, and the command, content
 * length, seq, created_at and message_id fields at their largest varints.
 */
export const MESSAGE_ENVELOPE_BYTES = 48;

/**
 * How many of the first `limit` rows fit in `maxBytes` of encoded reply (content plus each message's envelope,
 * which dominates for small messages); at least one, so a page always advances.
 */
function withinBytes(rows: readonly InboxMessage[], limit: number, maxBytes: number): number {
  let bytes = 0;
  let count = 0;
  for (const row of rows.slice(0, limit)) {
    bytes += row.content.length + MESSAGE_ENVELOPE_BYTES;
    if (count > 0 && bytes > maxBytes) break;
    count++;
  }
  return count;
}

/** Records the highest seq a device holds; a seq the user has not reached yet is refused. */
@Injectable()
export class AckMessagesUseCase {
  constructor(private readonly messages: MessageRepository) {}

  async execute(command: AckCommand): Promise<void> {
    const current = await this.messages.currentSeq(command.userId);
    if (command.seq > current)
      throw badRequest(`seq: ${command.seq} is beyond the user's latest seq ${current}`);
    await this.messages.ack(command.deviceId, command.userId, command.seq);
  }
}
