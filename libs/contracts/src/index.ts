// gRPC contracts generated from proto/ (one namespace per proto file), plus where the .proto files are at run time.
export * as connectInt from './gen/connect/connect.int';
export * as logicDevice from './gen/logic/device.int';
export * as logicMessageExt from './gen/logic/message.ext';
export * as logicMessageInt from './gen/logic/message.int';
export * as logicPush from './gen/logic/push.ext';
export * as logicGroup from './gen/logic/group.int';
export * as logicGroupExt from './gen/logic/group.ext';
export * as logicRoom from './gen/logic/room.int';
export * as businessUserExt from './gen/business/user.ext';
export * as businessAppInt from './gen/business/app.int';
export * as businessUserInt from './gen/business/user.int';
export * as businessFriend from './gen/business/friend.ext';
export * as businessFriendInt from './gen/business/friend.int';
export * as businessMoment from './gen/business/moment.ext';
export { Empty } from './gen/google/protobuf/empty';
export * as googleRpcStatus from './gen/google/rpc/status';
export * as googleRpcErrorDetails from './gen/google/rpc/error_details';
export { protoRoot, protoFiles, PROTO_LOADER_OPTIONS } from './proto-files';
