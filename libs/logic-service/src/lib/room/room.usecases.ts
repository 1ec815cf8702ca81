import { Injectable } from '@nestjs/common';
import { Channels } from '@gim/bus';
import { logicPush } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { Message, MessageCommand } from '@gim/protocol';
import { DeviceNames } from '../device/device-names';
import { LogicConfig } from '../logic.config';
import { Fanout } from '../message/fanout';
import { checkContent } from '../message/message';
import { PresenceStore } from '../presence/presence';
import { UserDirectory } from '../user/user-directory';
import { readRoomHistory, RoomHistoryPage } from './room-history';
import { Appended, RoomLog } from './room-log';
import { RoomPusher } from './room-pusher';

/**
 * Rooms: read-diffused streams with a bounded history. Messages get the room's next seq and are published on the
 * room's channel (only gateways with a subscriber listen); nothing is written per receiver.
 */
@Injectable()
export class RoomUseCases {
  constructor(
    private readonly config: LogicConfig,
    private readonly log: RoomLog,
    private readonly pusher: RoomPusher,
    private readonly channels: Channels,
    private readonly users: UserDirectory,
    private readonly devices: DeviceNames,
    private readonly presence: PresenceStore,
    private readonly fanout: Fanout,
  ) {}

  /** The integrator's message to a room (Go gim's PushRoom): priority ones leave at once. */
  async push(
    appId: number,
    roomId: number,
    command: number,
    content: Buffer,
    sendTime: number,
    priority: boolean,
  ): Promise<Appended> {
    checkContent(content, this.config.GIM_MAX_CONTENT_BYTES);
    const createdAt = sendTime > 0 ? sendTime : Date.now();
    return this.pusher.push(
      this.channels.room(appId, roomId),
      appId,
      roomId,
      { message: roomMessage(command, content, createdAt, roomId), createdAt },
      priority,
    );
  }

  /**
   * A signed-in user's message to the room its connection is in (MC_ROOM_CHAT), rate-limited per user in the
   * room; a retry of a stored send gets the stored result, at the limit too.
   */
  async sendFromDevice(
    userId: number,
    deviceId: number,
    appId: number,
    roomId: number,
    clientMsgId: string,
    content: Buffer,
  ): Promise<Appended> {
    checkContent(content, this.config.GIM_MAX_CONTENT_BYTES);
    const [sender, appDeviceId] = await Promise.all([
      this.users.profiles([userId]).then((found) => found.get(userId)),
      this.devices.appDeviceId(deviceId),
    ]);
    if (!sender || sender.appId !== appId)
      throw new GimError(ErrorCode.UserNotFound, `user not found: sender ${userId}`);
    const body = logicPush.RoomMessagePush.encode({
      fromUser: {
        userId: sender.appUserId,
        deviceId: appDeviceId,
        nickname: sender.nickname,
        avatarUrl: sender.avatarUrl,
        extra: sender.extra,
      },
      roomId,
      content,
    }).finish();
    const createdAt = Date.now();
    return this.pusher.push(
      this.channels.room(appId, roomId),
      appId,
      roomId,
      {
        message: roomMessage(MessageCommand.MC_ROOM_CHAT, Buffer.from(body), createdAt, roomId),
        createdAt,
        dedupeKey: clientMsgId === '' ? undefined : `${userId}:${clientMsgId}`,
        sender: { userId, perSecond: this.config.GIM_ROOM_SEND_PER_SECOND },
      },
      false,
    );
  }

  /** Moves an app's connected device into a room (room 0: out of its room) through its gateway; 10101 when offline. */
  async subscribe(
    appId: number,
    appUserId: number,
    appDeviceId: number,
    roomId: number,
    seq: number,
  ): Promise<void> {
    const userIds = await this.users.requireInApp(appId, [appUserId]);
    const online = await this.presence.onlineDevices(userIds);
    for (const device of online) {
      if ((await this.devices.appDeviceId(device.deviceId)) !== appDeviceId) continue;
      await this.fanout.roomJoin(device.gatewayId, {
        deviceId: device.deviceId,
        connId: device.connId,
        roomId,
        seq,
      });
      return;
    }
    throw new GimError(
      ErrorCode.ConnectionNotFound,
      `device ${appDeviceId} of user ${appUserId} is not connected`,
    );
  }

  /** A page of a room's history for a joining connection: see readRoomHistory. */
  history(appId: number, roomId: number, after: number, limit: number): Promise<RoomHistoryPage> {
    return readRoomHistory(this.log, appId, roomId, after, limit);
  }
}

/** A room message without its seq: the room's log adds it. */
function roomMessage(command: number, content: Buffer, createdAt: number, roomId: number): Buffer {
  return Buffer.from(Message.encode({ command, content, seq: 0, createdAt, roomId, messageId: 0 }).finish());
}
