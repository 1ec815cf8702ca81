import { Metadata } from '@grpc/grpc-js';
import { ClientGrpc } from '@nestjs/microservices';
import { logicDevice, logicMessageExt, logicMessageInt, logicRoom } from '@gim/contracts';
import {
  DEFAULT_DEADLINE_MS,
  grpcClientOptions,
  GrpcClientProvider,
  INTERNAL_METADATA_KEY,
  promiseClient,
} from '@gim/rpc';
import { SendBatcher } from './send-batcher';
import { SendStream } from './send-stream';

/** Sends of one gateway waiting for logic at most; beyond it a send is answered 10501 (busy) at once. */
const MAX_PENDING_SENDS = 20_000;
/** While logic has left a batch unanswered this long (ms), new sends are answered 10501 (busy) at once. */
const MAX_SEND_WAIT_MS = 500;

/** The logic calls a gateway makes; failures reject with GimError (10500 when logic is unreachable). */
export interface LogicClient {
  /** Checks a sign-in and records the device online on this gateway. */
  signIn(request: logicDevice.SignInRequest): Promise<logicDevice.SignInReply>;
  /** Records that a signed-in connection closed. */
  offline(request: logicDevice.OfflineRequest): Promise<unknown>;
  /** Renews (or, with lease_seconds 0, drops) this gateway's presence lease; says whether it had lapsed. */
  renewGatewayLease(
    request: logicDevice.RenewGatewayLeaseRequest,
  ): Promise<logicDevice.RenewGatewayLeaseReply>;
  /** Re-records a batch of this gateway's signed-in connections; returns those whose device is elsewhere. */
  restorePresence(request: logicDevice.RestorePresenceRequest): Promise<logicDevice.RestorePresenceReply>;
  /** Sends a one-to-one message from a signed-in device (batched with the other sends of the I/O phase). */
  sendUserMessage(
    request: logicMessageInt.SendUserMessageRequest,
  ): Promise<logicMessageInt.SendUserMessageReply>;
  /** Fetches a signed-in device's messages after a seq. */
  deviceSync(request: logicMessageInt.DeviceSyncRequest): Promise<logicMessageExt.SyncReply>;
  /** Records a signed-in device's acknowledged seq. */
  deviceAck(request: logicMessageInt.DeviceAckRequest): Promise<unknown>;
  /** A page of a room's history after a seq, for a joining connection. */
  readRoomHistory(request: logicRoom.ReadRoomHistoryRequest): Promise<logicRoom.ReadRoomHistoryReply>;
  /** Sends a signed-in device's message to the room its connection is in. */
  sendRoomMessage(request: logicRoom.SendRoomMessageRequest): Promise<logicRoom.SendRoomMessageReply>;
}

/** ClientsModule options of the channel to logic at `address` (DeviceIntService, MessageIntService, RoomIntService). */
export function logicClientOptions(address: string): GrpcClientProvider {
  return grpcClientOptions(
    address,
    ['logic'],
    ['logic/device.int.proto', 'logic/message.int.proto', 'logic/room.int.proto'],
  );
}

/** A LogicClient over a ClientGrpc of logicClientOptions, with the internal credential; Nest closes the channel. */
export function createLogicClient(grpc: ClientGrpc, internalSecret: string): LogicClient {
  const settings = { internalSecret };
  const devices = promiseClient<logicDevice.DeviceIntServiceClient>(
    grpc,
    logicDevice.DEVICE_INT_SERVICE_NAME,
    settings,
  );
  const messages = promiseClient<logicMessageInt.MessageIntServiceClient>(
    grpc,
    logicMessageInt.MESSAGE_INT_SERVICE_NAME,
    settings,
  );
  const rooms = promiseClient<logicRoom.RoomIntServiceClient>(
    grpc,
    logicRoom.ROOM_INT_SERVICE_NAME,
    settings,
  );
  const credential = new Metadata();
  credential.set(INTERNAL_METADATA_KEY, internalSecret);
  const messageStreams = grpc.getService<logicMessageInt.MessageIntServiceClient>(
    logicMessageInt.MESSAGE_INT_SERVICE_NAME,
  );
  const stream = new SendStream(
    (batches) => messageStreams.sendUserMessageStream(batches, credential),
    DEFAULT_DEADLINE_MS,
  );
  const sends = new SendBatcher((request) => stream.send(request), MAX_PENDING_SENDS, MAX_SEND_WAIT_MS);
  return {
    signIn: (request) => devices.signIn(request),
    offline: (request) => devices.offline(request),
    renewGatewayLease: (request) => devices.renewGatewayLease(request),
    restorePresence: (request) => devices.restorePresence(request),
    sendUserMessage: (request) => sends.send(request),
    deviceSync: (request) => messages.deviceSync(request),
    deviceAck: (request) => messages.deviceAck(request),
    readRoomHistory: (request) => rooms.readRoomHistory(request),
    sendRoomMessage: (request) => rooms.sendRoomMessage(request),
  };
}
