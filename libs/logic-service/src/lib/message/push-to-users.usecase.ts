import { Injectable } from '@nestjs/common';
import { ErrorCode, GimError } from '@gim/errors';
import { LogicConfig } from '../logic.config';
import { UserDirectory } from '../user/user-directory';
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
    private readonly users: UserDirectory,
  ) {}

  /**
   * Pushes to users named by their app's ids (`appId`: the caller's app), all of which must exist in it (10301
   * names those that do not; nothing is pushed then). `deadline` (epoch ms) is when the caller gives up: a push
   * still waiting to be stored then is not stored.
   */
  async execute(
    appId: number,
    request: PushToUsersRequest,
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    checkContent(request.content, this.config.GIM_MAX_CONTENT_BYTES);
    const appUserIds = [...new Set(request.userIds)];
    const resolved = await this.users.resolveInApp(appId, appUserIds);
    const missing = appUserIds.filter((id) => !resolved.has(id));
    if (missing.length > 0) {
      const shown = missing.slice(0, 10).join(', ');
      throw new GimError(
        ErrorCode.UserNotFound,
        `user not found: ${shown}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''} (no push was made)`,
      );
    }
    const command = { ...request, userIds: appUserIds.map((id) => resolved.get(id) ?? 0) };
    const createdAt = Date.now();
    if (!command.isPersist) {
      const message = wireMessage(
        { command: command.command, content: command.content, createdAt, messageId: 0 },
        0,
      );
      await this.fanout.toUsers(command.userIds.map((userId) => ({ userId, message })));
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

/** Pushes a message to every connected device of an app; not persisted. */
@Injectable()
export class PushToAllUseCase {
  constructor(
    private readonly config: LogicConfig,
    private readonly fanout: Fanout,
  ) {}

  /** Pushes to the connected devices of one app's users. */
  async execute(appId: number, command: PushToAllRequest): Promise<void> {
    checkContent(command.content, this.config.GIM_MAX_CONTENT_BYTES);
    await this.fanout.toAll(
      appId,
      wireMessage(
        { command: command.command, content: command.content, createdAt: Date.now(), messageId: 0 },
        0,
      ),
    );
  }
}
