import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { IsClientMsgId } from '../message/message.requests';

const MAX_ID = Number.MAX_SAFE_INTEGER;

/** RoomIntService.PushRoom arguments. */
export class PushRoomFields {
  @IsInt() @Min(1) @Max(MAX_ID) roomId!: number;
  @IsInt() @Min(0) @Max(2 ** 31 - 1) command!: number;
  content!: Buffer;
  /** 0 means now */
  @IsInt() @Min(0) @Max(MAX_ID) sendTime!: number;
  @IsBoolean() isPriority!: boolean;
}

/** RoomIntService.SubscribeRoom arguments. */
export class SubscribeRoomFields {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) deviceId!: number;
  /** 0 leaves the device's room */
  @IsInt() @Min(0) @Max(MAX_ID) roomId!: number;
  @IsInt() @Min(0) @Max(MAX_ID) seq!: number;
}

/** RoomIntService.ReadRoomHistory arguments. */
export class ReadRoomHistoryFields {
  @IsInt() @Min(1) @Max(MAX_ID) appId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) roomId!: number;
  @IsInt() @Min(0) @Max(MAX_ID) seq!: number;
  /** 0 asks for the default page; anything above the maximum is capped */
  @IsInt() @Min(0) @Max(2 ** 32 - 1) limit!: number;
}

/** RoomIntService.SendRoomMessage arguments. */
export class SendRoomMessageFields {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) deviceId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) appId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) roomId!: number;
  @IsClientMsgId()
  clientMsgId!: string;
  content!: Buffer;
}
