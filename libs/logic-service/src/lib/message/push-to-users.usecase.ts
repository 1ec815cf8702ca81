import { Injectable } from '@nestjs/common';
import { LogicConfig } from '../logic.config';
import { Fanout } from './fanout';
import { checkContent, wireMessage } from './message';
import { StoreQueue } from './store-queue';
import { PushToAllRequest, PushToUsersRequest } from './message.requests';

/**
 * An integrator's message to a set of users. Persisted: stored once with a seq in every user's inbox
 * (batched statements, one transaction), then pushed. Not persisted: pushed to online devices with seq 0.
 */
@Injectable()
export class PushToUsersUseCase {
  constructor(
    private readonly config: LogicConfig,
    private readonly store: StoreQueue,
    private readonly fanout: Fanout,
  ) {}

  /** Pushes; `deadline` (epoch ms) is when the caller gives up: a push still waiting to be stored then is not stored. */
  async execute(command: PushToUsersRequest, deadline = Number.POSITIVE_INFINITY): Promise<number> {
    checkContent(command.content, this.config.GIM_MAX_CONTENT_BYTES);
    const createdAt = Date.now();
    if (!command.isPersist) {
      const message = wireMessage(
        { command: command.command, content: command.content, createdAt, messageId: 0 },
        0,
      );
      await this.fanout.toUsers([...new Set(command.userIds)].map((userId) => ({ userId, message })));
      return 0;
    }
    const stored = await this.store.store(
      {
        senderId: 0,
        command: command.command,
        content: command.content,
        recipients: command.userIds,
        createdAt,
      },
      deadline,
    );
    if ('duplicate' in stored) return stored.duplicate.messageId;
    await this.fanout.toUsers(
      [...stored.seqs].map(([userId, seq]) => ({
        userId,
        message: wireMessage({ command: command.command, content: command.content, ...stored }, seq),
      })),
    );
    return stored.messageId;
  }
}

/** Pushes a message to every connected device; not persisted. */
@Injectable()
export class PushToAllUseCase {
  constructor(
    private readonly config: LogicConfig,
    private readonly fanout: Fanout,
  ) {}

  async execute(command: PushToAllRequest): Promise<void> {
    checkContent(command.content, this.config.GIM_MAX_CONTENT_BYTES);
    await this.fanout.toAll(
      wireMessage(
        { command: command.command, content: command.content, createdAt: Date.now(), messageId: 0 },
        0,
      ),
    );
  }
}
