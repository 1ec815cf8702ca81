import { Injectable } from '@nestjs/common';
import { LogicConfig } from '../logic.config';
import { GroupDelivery } from '../group/group-delivery';
import { UserDirectory } from '../user/user-directory';
import { Fanout } from './fanout';
import { checkContent, wireMessage } from './message';
import { PushToAllRequest, PushToUsersRequest } from './message.requests';

/**
 * An integrator's message to a set of users. Persisted: stored once with a seq in every user's inbox
 * (batched statements, one transaction), then pushed. Not persisted: pushed to online devices with seq 0.
 */
@Injectable()
export class PushToUsersUseCase {
  constructor(
    private readonly config: LogicConfig,
    private readonly delivery: GroupDelivery,
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
    const userIds = await this.users.requireInApp(appId, [...new Set(request.userIds)]);
    const { command, content } = request;
    if (!request.isPersist) {
      const body = { command, content, createdAt: Date.now(), messageId: 0 };
      await this.fanout.toUsers(userIds.map((userId) => ({ userId, seq: 0, body })));
      return 0;
    }
    const record = await this.delivery.deliver(
      { senderId: 0, command, content, recipients: userIds },
      deadline,
    );
    return record.messageId;
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
