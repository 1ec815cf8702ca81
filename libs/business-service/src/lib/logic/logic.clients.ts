import { Inject, Injectable } from '@nestjs/common';
import { ClientGrpc } from '@nestjs/microservices';
import { logicDevice, logicMessageInt } from '@gim/contracts';
import { PromiseClient, promiseClient } from '@gim/rpc';
import { BUSINESS_INTERNAL_SECRET, LOGIC_GRPC } from '../business.tokens';
import { MessageSender, OutgoingUserMessage, SentMessage, UserNotifier } from '../friend/friend';
import { AppConnections } from '../app/app';
import { DeviceInfo, DeviceRegistry } from '../user/user';

/** DeviceRegistry backed by logic's `DeviceIntService.Save`, called with the internal credential. */
@Injectable()
export class GrpcDeviceRegistry extends DeviceRegistry {
  private readonly client: PromiseClient<logicDevice.DeviceIntServiceClient>;

  constructor(
    @Inject(LOGIC_GRPC) grpc: ClientGrpc,
    @Inject(BUSINESS_INTERNAL_SECRET) internalSecret: string,
  ) {
    super();
    this.client = promiseClient<logicDevice.DeviceIntServiceClient>(
      grpc,
      logicDevice.DEVICE_INT_SERVICE_NAME,
      { internalSecret },
    );
  }

  override async save(userId: number, device: DeviceInfo): Promise<number> {
    const reply = await this.client.save({ userId, device, appDeviceId: 0 });
    return reply.deviceId;
  }

  override async resolveAppDevice(userId: number, appDeviceId: number): Promise<number> {
    const device = {
      id: 0,
      type: 0,
      brand: '',
      model: '',
      systemVersion: '',
      sdkVersion: '',
      branchPushId: '',
    };
    const reply = await this.client.save({ userId, device, appDeviceId });
    return reply.deviceId;
  }
}

/**
 * MessageSender and UserNotifier backed by logic's `MessageIntService` (SendUserMessage; PushToUsers, stored),
 * called with the internal credential.
 */
@Injectable()
export class GrpcMessageSender extends MessageSender implements UserNotifier {
  private readonly client: PromiseClient<logicMessageInt.MessageIntServiceClient>;

  constructor(
    @Inject(LOGIC_GRPC) grpc: ClientGrpc,
    @Inject(BUSINESS_INTERNAL_SECRET) internalSecret: string,
  ) {
    super();
    this.client = promiseClient<logicMessageInt.MessageIntServiceClient>(
      grpc,
      logicMessageInt.MESSAGE_INT_SERVICE_NAME,
      { internalSecret },
    );
  }

  override async sendUserMessage(message: OutgoingUserMessage): Promise<SentMessage> {
    const reply = await this.client.sendUserMessage({
      userId: message.senderId,
      deviceId: message.senderDeviceId,
      toUserId: message.receiverId,
      toGroupId: 0,
      clientMsgId: message.clientMsgId,
      content: message.content,
    });
    return { messageId: reply.messageId, seq: reply.seq };
  }

  async notify(appId: number, appUserId: number, command: number, content: Uint8Array): Promise<void> {
    await this.client.pushToUsers({
      appId,
      userIds: [appUserId],
      command,
      content: Buffer.from(content),
      isPersist: true,
    });
  }
}

/** AppConnections backed by logic's `DeviceIntService.CloseApp`, called with the internal credential. */
@Injectable()
export class GrpcAppConnections extends AppConnections {
  private readonly client: PromiseClient<logicDevice.DeviceIntServiceClient>;

  constructor(
    @Inject(LOGIC_GRPC) grpc: ClientGrpc,
    @Inject(BUSINESS_INTERNAL_SECRET) internalSecret: string,
  ) {
    super();
    this.client = promiseClient<logicDevice.DeviceIntServiceClient>(
      grpc,
      logicDevice.DEVICE_INT_SERVICE_NAME,
      { internalSecret },
    );
  }

  override async closeAll(appId: number, reason: string): Promise<void> {
    await this.client.closeApp({ appId, reason });
  }
}
