import { Controller, UseGuards } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { Metadata } from '@grpc/grpc-js';
import { businessFriend, businessFriendInt } from '@gim/contracts';
import { InternalGuard, validated } from '@gim/rpc';
import { authenticatedCaller, ExtAuthGuard } from '../auth/ext-auth.guard';
import {
  CheckSendsFields,
  FriendAddFields,
  FriendAgreeFields,
  FriendIdFields,
  FriendSetFields,
  UserIdFields,
} from './friend.requests';
import { FriendUseCases, FriendView, RequestView } from './friend.usecases';
import { SendMessageCommand, SendMessageUseCase } from './send-message.usecase';

const SERVICE = businessFriend.FRIEND_EXT_SERVICE_NAME;

function toFriend({ user, row }: FriendView): businessFriend.Friend {
  return {
    userId: user.appUserId,
    phoneNumber: user.phoneNumber,
    nickname: user.nickname,
    sex: user.sex,
    avatarUrl: user.avatarUrl,
    userExtra: user.extra,
    remarks: row.remarks,
    extra: row.extra,
  };
}

function toRequest(view: RequestView): businessFriend.FriendRequest {
  return {
    userId: view.user.appUserId,
    nickname: view.user.nickname,
    avatarUrl: view.user.avatarUrl,
    description: view.description,
    createdAt: view.createdAt,
  };
}

/** Client-facing `business.FriendExtService`: every call acts as the authenticated caller, inside its app. */
@Controller()
@UseGuards(ExtAuthGuard)
export class FriendExtGrpcController implements businessFriend.FriendExtServiceController {
  constructor(
    private readonly sendMessageUseCase: SendMessageUseCase,
    private readonly friends: FriendUseCases,
  ) {}

  @GrpcMethod(SERVICE, 'sendMessage')
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

  @GrpcMethod(SERVICE, 'add')
  async add(request: businessFriend.FriendAddRequest, metadata?: Metadata): Promise<void> {
    const add = validated(FriendAddFields, request);
    await this.friends.add(authenticatedCaller(metadata), add.friendId, add.remarks, add.description);
  }

  @GrpcMethod(SERVICE, 'agree')
  async agree(request: businessFriend.FriendAgreeRequest, metadata?: Metadata): Promise<void> {
    const agree = validated(FriendAgreeFields, request);
    await this.friends.agree(authenticatedCaller(metadata), agree.userId, agree.remarks);
  }

  @GrpcMethod(SERVICE, 'set')
  async set(
    request: businessFriend.FriendSetRequest,
    metadata?: Metadata,
  ): Promise<businessFriend.FriendSetReply> {
    const set = validated(FriendSetFields, request);
    await this.friends.set(authenticatedCaller(metadata), set.friendId, set.remarks, set.extra);
    return { friendId: set.friendId, remarks: set.remarks, extra: set.extra };
  }

  @GrpcMethod(SERVICE, 'getFriends')
  async getFriends(_request: unknown, metadata?: Metadata): Promise<businessFriend.GetFriendsReply> {
    return { friends: (await this.friends.friends(authenticatedCaller(metadata))).map(toFriend) };
  }

  @GrpcMethod(SERVICE, 'refuse')
  async refuse(request: businessFriend.FriendRefuseRequest, metadata?: Metadata): Promise<void> {
    await this.friends.refuse(authenticatedCaller(metadata), validated(UserIdFields, request).userId);
  }

  @GrpcMethod(SERVICE, 'delete')
  async delete(request: businessFriend.FriendDeleteRequest, metadata?: Metadata): Promise<void> {
    await this.friends.remove(authenticatedCaller(metadata), validated(FriendIdFields, request).friendId);
  }

  @GrpcMethod(SERVICE, 'getRequests')
  async getRequests(_request: unknown, metadata?: Metadata): Promise<businessFriend.GetFriendRequestsReply> {
    const { received, sent } = await this.friends.requests(authenticatedCaller(metadata));
    return { received: received.map(toRequest), sent: sent.map(toRequest) };
  }

  @GrpcMethod(SERVICE, 'block')
  async block(request: businessFriend.FriendBlockRequest, metadata?: Metadata): Promise<void> {
    await this.friends.block(authenticatedCaller(metadata), validated(UserIdFields, request).userId);
  }

  @GrpcMethod(SERVICE, 'unblock')
  async unblock(request: businessFriend.FriendBlockRequest, metadata?: Metadata): Promise<void> {
    await this.friends.unblock(authenticatedCaller(metadata), validated(UserIdFields, request).userId);
  }

  @GrpcMethod(SERVICE, 'getBlocked')
  async getBlocked(_request: unknown, metadata?: Metadata): Promise<businessFriend.GetBlockedReply> {
    return { userIds: await this.friends.blocked(authenticatedCaller(metadata)) };
  }
}

/** Internal `business.FriendIntService` (internal credential): logic asks it before storing one-to-one messages. */
@Controller()
@UseGuards(InternalGuard)
@businessFriendInt.FriendIntServiceControllerMethods()
export class FriendIntGrpcController implements businessFriendInt.FriendIntServiceController {
  constructor(private readonly friends: FriendUseCases) {}

  async checkSends(request: businessFriendInt.CheckSendsRequest): Promise<businessFriendInt.CheckSendsReply> {
    const { pairs } = validated(CheckSendsFields, request);
    const codes = await this.friends.checkSends(
      pairs.map((pair) => [pair.senderId, pair.receiverId] as const),
    );
    return { codes };
  }
}
