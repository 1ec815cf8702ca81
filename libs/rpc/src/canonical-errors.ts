import { status as GrpcStatus } from '@grpc/grpc-js';
import { ErrorCode } from '@gim/errors';

/** How one gim code travels as a canonical gRPC error. */
export interface CanonicalError {
  /** the standard gRPC status the call fails with (GIM_GRPC_ERRORS=canonical) */
  status: GrpcStatus;
  /** google.rpc.ErrorInfo.reason: the code's UPPER_SNAKE name; clients match on it, so it never changes */
  reason: string;
}

const {
  INVALID_ARGUMENT,
  DEADLINE_EXCEEDED,
  NOT_FOUND,
  ALREADY_EXISTS,
  PERMISSION_DENIED,
  RESOURCE_EXHAUSTED,
  FAILED_PRECONDITION,
  ABORTED,
  OUT_OF_RANGE,
  UNIMPLEMENTED,
  UNAVAILABLE,
  UNAUTHENTICATED,
} = GrpcStatus;

const row = (status: GrpcStatus, reason: string): CanonicalError => ({ status, reason });

/**
 * The one table from gim codes to canonical gRPC statuses and ErrorInfo reasons. A Record over ErrorCode, so a
 * new code does not compile until it has its row. The status answers "what may the caller do": fix the request
 * (INVALID_ARGUMENT), sign in again (UNAUTHENTICATED), give up (PERMISSION_DENIED, NOT_FOUND, ALREADY_EXISTS,
 * FAILED_PRECONDITION until the state changes), wait (RESOURCE_EXHAUSTED) or retry (UNAVAILABLE, ABORTED).
 */
export const CANONICAL_ERRORS: Readonly<Record<ErrorCode, CanonicalError>> = {
  [ErrorCode.Unauthorized]: row(UNAUTHENTICATED, 'UNAUTHORIZED'),
  [ErrorCode.BadRequest]: row(INVALID_ARGUMENT, 'BAD_REQUEST'),
  [ErrorCode.ConnectionNotFound]: row(NOT_FOUND, 'CONNECTION_NOT_FOUND'),
  [ErrorCode.ConnectionDeviceMismatch]: row(FAILED_PRECONDITION, 'CONNECTION_DEVICE_MISMATCH'),
  [ErrorCode.DeviceNotFound]: row(NOT_FOUND, 'DEVICE_NOT_FOUND'),
  [ErrorCode.UserNotInGroup]: row(PERMISSION_DENIED, 'USER_NOT_IN_GROUP'),
  [ErrorCode.GroupMemberNotFound]: row(NOT_FOUND, 'GROUP_MEMBER_NOT_FOUND'),
  [ErrorCode.UserAlreadyInGroup]: row(ALREADY_EXISTS, 'USER_ALREADY_IN_GROUP'),
  [ErrorCode.FriendNotFound]: row(NOT_FOUND, 'FRIEND_NOT_FOUND'),
  [ErrorCode.AlreadyFriends]: row(ALREADY_EXISTS, 'ALREADY_FRIENDS'),
  [ErrorCode.FriendRequestWaiting]: row(ALREADY_EXISTS, 'FRIEND_REQUEST_WAITING'),
  [ErrorCode.Blocked]: row(PERMISSION_DENIED, 'BLOCKED'),
  [ErrorCode.FriendSelf]: row(INVALID_ARGUMENT, 'FRIEND_SELF'),
  [ErrorCode.GroupNotFound]: row(NOT_FOUND, 'GROUP_NOT_FOUND'),
  [ErrorCode.GroupDissolved]: row(FAILED_PRECONDITION, 'GROUP_DISSOLVED'),
  [ErrorCode.GroupRoleRefused]: row(PERMISSION_DENIED, 'GROUP_ROLE_REFUSED'),
  [ErrorCode.GroupOwnerMustTransfer]: row(FAILED_PRECONDITION, 'GROUP_OWNER_MUST_TRANSFER'),
  [ErrorCode.GroupFull]: row(RESOURCE_EXHAUSTED, 'GROUP_FULL'),
  [ErrorCode.GroupMemberMuted]: row(PERMISSION_DENIED, 'GROUP_MEMBER_MUTED'),
  [ErrorCode.RoomNotJoined]: row(FAILED_PRECONDITION, 'ROOM_NOT_JOINED'),
  [ErrorCode.RoomHistoryGap]: row(OUT_OF_RANGE, 'ROOM_HISTORY_GAP'),
  [ErrorCode.RoomRateLimited]: row(RESOURCE_EXHAUSTED, 'ROOM_RATE_LIMITED'),
  [ErrorCode.MomentNotFound]: row(NOT_FOUND, 'MOMENT_NOT_FOUND'),
  [ErrorCode.MomentFileRefused]: row(INVALID_ARGUMENT, 'MOMENT_FILE_REFUSED'),
  [ErrorCode.BadVerificationCode]: row(UNAUTHENTICATED, 'BAD_VERIFICATION_CODE'),
  [ErrorCode.UserNotFound]: row(NOT_FOUND, 'USER_NOT_FOUND'),
  [ErrorCode.TooManyAttempts]: row(RESOURCE_EXHAUSTED, 'TOO_MANY_ATTEMPTS'),
  [ErrorCode.TokenExpired]: row(UNAUTHENTICATED, 'TOKEN_EXPIRED'),
  [ErrorCode.TokenBadSignature]: row(UNAUTHENTICATED, 'TOKEN_BAD_SIGNATURE'),
  [ErrorCode.TokenAlgorithmRefused]: row(UNAUTHENTICATED, 'TOKEN_ALGORITHM_REFUSED'),
  [ErrorCode.AppDisabled]: row(PERMISSION_DENIED, 'APP_DISABLED'),
  [ErrorCode.TokenRevoked]: row(UNAUTHENTICATED, 'TOKEN_REVOKED'),
  [ErrorCode.TokenUnknownKey]: row(UNAUTHENTICATED, 'TOKEN_UNKNOWN_KEY'),
  [ErrorCode.TokenMalformed]: row(UNAUTHENTICATED, 'TOKEN_MALFORMED'),
  [ErrorCode.AppNotFound]: row(NOT_FOUND, 'APP_NOT_FOUND'),
  [ErrorCode.MalformedFrame]: row(INVALID_ARGUMENT, 'MALFORMED_FRAME'),
  [ErrorCode.FrameTooLarge]: row(INVALID_ARGUMENT, 'FRAME_TOO_LARGE'),
  [ErrorCode.UnknownCommand]: row(UNIMPLEMENTED, 'UNKNOWN_COMMAND'),
  [ErrorCode.SignInTimeout]: row(DEADLINE_EXCEEDED, 'SIGN_IN_TIMEOUT'),
  [ErrorCode.IdleTimeout]: row(DEADLINE_EXCEEDED, 'IDLE_TIMEOUT'),
  [ErrorCode.SignedInElsewhere]: row(ABORTED, 'SIGNED_IN_ELSEWHERE'),
  [ErrorCode.SlowConsumer]: row(RESOURCE_EXHAUSTED, 'SLOW_CONSUMER'),
  [ErrorCode.ServerShutdown]: row(UNAVAILABLE, 'SERVER_SHUTDOWN'),
  [ErrorCode.AlreadySignedIn]: row(FAILED_PRECONDITION, 'ALREADY_SIGNED_IN'),
  [ErrorCode.TooManyConnections]: row(RESOURCE_EXHAUSTED, 'TOO_MANY_CONNECTIONS'),
  [ErrorCode.Unavailable]: row(UNAVAILABLE, 'UNAVAILABLE'),
  [ErrorCode.Busy]: row(UNAVAILABLE, 'BUSY'),
  [ErrorCode.FileNotFound]: row(NOT_FOUND, 'FILE_NOT_FOUND'),
  [ErrorCode.FileTooLarge]: row(INVALID_ARGUMENT, 'FILE_TOO_LARGE'),
  [ErrorCode.FileTypeNotAllowed]: row(INVALID_ARGUMENT, 'FILE_TYPE_NOT_ALLOWED'),
  [ErrorCode.FileRangeNotSatisfiable]: row(OUT_OF_RANGE, 'FILE_RANGE_NOT_SATISFIABLE'),
  [ErrorCode.FileStorageFull]: row(RESOURCE_EXHAUSTED, 'FILE_STORAGE_FULL'),
};
