import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { logicDevice, logicMessageInt } from '@gim/contracts';
import { createGrpcClient, GrpcClient } from '@gim/rpc';
import { BusinessConfig } from '../business.config';
import { BUSINESS_INTERNAL_SECRET } from '../business.tokens';
import { MessageSender, OutgoingUserMessage, SentMessage } from '../friend/friend';
import { DeviceInfo, DeviceRegistry } from '../user/user';

/** DeviceRegistry backed by logic's `DeviceIntService.Save`, called with the internal credential. */
@Injectable()
export class GrpcDeviceRegistry extends DeviceRegistry implements OnModuleDestroy {
  private readonly client: GrpcClient<logicDevice.DeviceIntServiceClient>;

  constructor(config: BusinessConfig, @Inject(BUSINESS_INTERNAL_SECRET) internalSecret: string) {
    super();
    this.client = createGrpcClient<logicDevice.DeviceIntServiceClient>({
      address: config.GIM_LOGIC_GRPC_ADDR,
      files: ['logic/device.int.proto'],
      service: 'logic.DeviceIntService',
      internalSecret,
    });
  }

  override async save(userId: number, device: DeviceInfo): Promise<number> {
    const reply = await this.client.save({ userId, device });
    return reply.deviceId;
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}

/** MessageSender backed by logic's `MessageIntService.SendUserMessage`, called with the internal credential. */
@Injectable()
export class GrpcMessageSender extends MessageSender implements OnModuleDestroy {
  private readonly client: GrpcClient<logicMessageInt.MessageIntServiceClient>;

  constructor(config: BusinessConfig, @Inject(BUSINESS_INTERNAL_SECRET) internalSecret: string) {
    super();
    this.client = createGrpcClient<logicMessageInt.MessageIntServiceClient>({
      address: config.GIM_LOGIC_GRPC_ADDR,
      files: ['logic/message.int.proto'],
      service: 'logic.MessageIntService',
      internalSecret,
    });
  }

  override async sendUserMessage(message: OutgoingUserMessage): Promise<SentMessage> {
    const reply = await this.client.sendUserMessage({
      userId: message.senderId,
      deviceId: message.senderDeviceId,
      toUserId: message.receiverId,
      clientMsgId: message.clientMsgId,
      content: message.content,
    });
    return { messageId: reply.messageId, seq: reply.seq };
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}
