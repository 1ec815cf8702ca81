import { Controller, UseGuards } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { Metadata } from '@grpc/grpc-js';
import { businessFriend } from '@gim/contracts';
import { validated } from '@gim/rpc';
import { authenticatedCaller, ExtAuthGuard } from '../auth/ext-auth.guard';
import { SendMessageCommand, SendMessageUseCase } from './send-message.usecase';

type ImplementedMethods = Pick<businessFriend.FriendExtServiceController, 'sendMessage'>;

/**
 * Client-facing `business.FriendExtService`. Only SendMessage exists so far: Add, Agree, Set and GetFriends
 * have no handler, so gRPC answers them UNIMPLEMENTED instead of pretending.
 */
@Controller()
@UseGuards(ExtAuthGuard)
export class FriendExtGrpcController implements ImplementedMethods {
  constructor(private readonly sendMessageUseCase: SendMessageUseCase) {}

  @GrpcMethod(businessFriend.FRIEND_EXT_SERVICE_NAME, 'sendMessage')
  async sendMessage(
    request: businessFriend.SendFriendMessageRequest,
    metadata?: Metadata,
  ): Promise<businessFriend.SendFriendMessageReply> {
    const caller = authenticatedCaller(metadata);
    const command = validated(SendMessageCommand, {
      ...request,
      senderId: caller.userId,
      senderDeviceId: caller.deviceId,
    });
    return this.sendMessageUseCase.execute(command);
  }
}
