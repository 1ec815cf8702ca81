import { Controller, UseGuards } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { logicRoom } from '@gim/contracts';
import { IntegratorGuard, integratorScope, InternalGuard, validated } from '@gim/rpc';
import {
  PushRoomFields,
  ReadRoomHistoryFields,
  SendRoomMessageFields,
  SubscribeRoomFields,
} from './room.requests';
import { RoomUseCases } from './room.usecases';

/**
 * gRPC edge of RoomIntService: PushRoom and SubscribeRoom for integrators (inside the app of the call's
 * credential, Go gim compatible), ReadRoomHistory and SendRoomMessage for the gateways (internal credential).
 */
@Controller()
@logicRoom.RoomIntServiceControllerMethods()
export class RoomIntGrpc implements logicRoom.RoomIntServiceController {
  constructor(private readonly rooms: RoomUseCases) {}

  @UseGuards(IntegratorGuard)
  async pushRoom(request: logicRoom.PushRoomRequest, metadata?: Metadata): Promise<void> {
    const { appId } = integratorScope(metadata);
    const push = validated(PushRoomFields, request);
    await this.rooms.push(appId, push.roomId, push.command, push.content, push.sendTime, push.isPriority);
  }

  @UseGuards(IntegratorGuard)
  async subscribeRoom(request: logicRoom.SubscribeRoomRequest, metadata?: Metadata): Promise<void> {
    const { appId } = integratorScope(metadata);
    const join = validated(SubscribeRoomFields, request);
    await this.rooms.subscribe(appId, join.userId, join.deviceId, join.roomId, join.seq);
  }

  @UseGuards(InternalGuard)
  async readRoomHistory(request: logicRoom.ReadRoomHistoryRequest): Promise<logicRoom.ReadRoomHistoryReply> {
    const read = validated(ReadRoomHistoryFields, request);
    return this.rooms.history(read.appId, read.roomId, read.seq, read.limit);
  }

  @UseGuards(InternalGuard)
  async sendRoomMessage(request: logicRoom.SendRoomMessageRequest): Promise<logicRoom.SendRoomMessageReply> {
    const send = validated(SendRoomMessageFields, request);
    const appended = await this.rooms.sendFromDevice(
      send.userId,
      send.deviceId,
      send.appId,
      send.roomId,
      send.clientMsgId,
      send.content,
    );
    return { seq: appended.seq, createdAt: appended.createdAt };
  }
}
