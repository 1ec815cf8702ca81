import { Injectable } from '@nestjs/common';
import { badRequest, ErrorCode, GimError } from '@gim/errors';
import { logicPush } from '@gim/contracts';
import { MessageCommand } from '@gim/protocol';
import { LogicConfig } from '../logic.config';
import { DeviceNames } from '../device/device-names';
import { GroupUseCases } from '../group/group.usecases';
import { UserDirectory } from '../user/user-directory';
import { Fanout } from './fanout';
import { MessagingPolicy } from './messaging-policy';
import { checkContent, SendRecord } from './message';
import { StoreQueue } from './store-queue';
import { SendUserMessageRequest } from './message.requests';

/**
 * A one-to-one chat message: stored once, an inbox row for the receiver and one for the sender, then pushed
 * live to every online device of both (the sending device too, so it learns its seq). Idempotent by
 * (sender, clientMsgId): a retry's transaction hits the send_dedup key, rolls back, and returns the first
 * result, so the common case (no retry) pays no extra lookup. An empty clientMsgId is not deduplicated.
 */
@Injectable()
export class SendUserMessageUseCase {
  constructor(
    private readonly config: LogicConfig,
    private readonly store: StoreQueue,
    private readonly users: UserDirectory,
    private readonly devices: DeviceNames,
    private readonly fanout: Fanout,
    private readonly groups: GroupUseCases,
    private readonly policy: MessagingPolicy,
  ) {}

  /** Sends; `deadline` (epoch ms) is when the caller gives up: a send still waiting to be stored then is not stored. */
  async execute(command: SendUserMessageRequest, deadline = Number.POSITIVE_INFINITY): Promise<SendRecord> {
    if ((command.toUserId === 0) === (command.toGroupId === 0))
      throw badRequest('a message goes to one user (to_user_id) or one group (to_group_id)');
    if (command.toGroupId !== 0) {
      return this.groups.sendFromDevice(
        command.userId,
        command.deviceId,
        command.toGroupId,
        command,
        deadline,
      );
    }
    checkContent(command.content, this.config.GIM_MAX_CONTENT_BYTES);
    const sender = (await this.users.profiles([command.userId])).get(command.userId);
    if (!sender) throw new GimError(ErrorCode.UserNotFound, `user not found: sender ${command.userId}`);
    // The receiver is named as the sender's app names its users, and is looked for in that app only.
    const [receiverId, senderDevice] = await Promise.all([
      this.users.resolveInApp(sender.appId, [command.toUserId]).then((found) => found.get(command.toUserId)),
      this.devices.appDeviceId(command.deviceId),
    ]);
    if (receiverId === undefined)
      throw new GimError(ErrorCode.UserNotFound, `user not found: ${command.toUserId}`);
    await this.policy.check(command.userId, receiverId);

    const body = logicPush.UserMessagePush.encode({
      fromUser: {
        userId: sender.appUserId,
        deviceId: senderDevice,
        nickname: sender.nickname,
        avatarUrl: sender.avatarUrl,
        extra: sender.extra,
      },
      toUserId: command.toUserId,
      content: command.content,
    }).finish();
    const content = Buffer.from(body);
    const stored = await this.store.store(
      {
        senderId: command.userId,
        command: MessageCommand.MC_USER_CHAT,
        content,
        recipients: [command.userId, receiverId],
        createdAt: Date.now(),
        clientMsgId: command.clientMsgId === '' ? undefined : command.clientMsgId,
      },
      deadline,
    );
    if ('duplicate' in stored) return stored.duplicate;
    if ('stale' in stored) throw new Error('a one-to-one message names no group, so it cannot be stale');

    const shared = {
      command: MessageCommand.MC_USER_CHAT,
      content,
      createdAt: stored.createdAt,
      messageId: stored.messageId,
    };
    await this.fanout.toUsers([...stored.seqs].map(([userId, seq]) => ({ userId, seq, body: shared })));
    return {
      messageId: stored.messageId,
      seq: stored.seqs.get(command.userId) ?? 0,
      createdAt: stored.createdAt,
    };
  }
}
