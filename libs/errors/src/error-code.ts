/** Business error codes shared by every service; 10000+ are expected outcomes, lower codes are failures. */
export enum ErrorCode {
  Unauthorized = 10000,
  BadRequest = 10001,
  ConnectionNotFound = 10101,
  ConnectionDeviceMismatch = 10102,
  DeviceNotFound = 10200,
  UserNotInGroup = 10201,
  GroupMemberNotFound = 10202,
  UserAlreadyInGroup = 10203,
  FriendNotFound = 10210,
  AlreadyFriends = 10211,
  // gim additions: friends.
  FriendRequestWaiting = 10212,
  Blocked = 10213,
  FriendSelf = 10214,
  GroupNotFound = 10220,
  // gim additions: group refusals.
  GroupDissolved = 10221,
  GroupRoleRefused = 10222,
  GroupOwnerMustTransfer = 10223,
  GroupFull = 10224,
  GroupMemberMuted = 10225,
  // gim additions: rooms.
  RoomNotJoined = 10230,
  RoomHistoryGap = 10231,
  RoomRateLimited = 10232,
  // gim additions: moments.
  MomentNotFound = 10240,
  MomentFileRefused = 10241,
  BadVerificationCode = 10300,
  UserNotFound = 10301,
  TooManyAttempts = 10302,
  // gim additions: a token an app's server signed, refused (the connection or call is not signed in).
  TokenExpired = 10310,
  TokenBadSignature = 10311,
  TokenAlgorithmRefused = 10312,
  AppDisabled = 10313,
  TokenRevoked = 10314,
  TokenUnknownKey = 10315,
  TokenMalformed = 10316,
  AppNotFound = 10317,
  // gim additions: connection-level outcomes, each sent to the client before its connection closes.
  MalformedFrame = 10400,
  FrameTooLarge = 10401,
  UnknownCommand = 10402,
  SignInTimeout = 10403,
  IdleTimeout = 10404,
  SignedInElsewhere = 10405,
  SlowConsumer = 10406,
  ServerShutdown = 10407,
  AlreadySignedIn = 10408,
  TooManyConnections = 10409,
  // gim additions: a dependency (database, Redis, another service) is down, or the server is busy; the caller may retry.
  Unavailable = 10500,
  Busy = 10501,
  // gim additions: the file app's answers (each with its HTTP status there).
  FileNotFound = 10600,
  FileTooLarge = 10601,
  FileTypeNotAllowed = 10602,
  FileRangeNotSatisfiable = 10603,
  FileStorageFull = 10604,
}

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  [ErrorCode.Unauthorized]: 'unauthorized: sign in again',
  [ErrorCode.BadRequest]: 'bad request',
  [ErrorCode.ConnectionNotFound]: 'connection not found',
  [ErrorCode.ConnectionDeviceMismatch]: "connection's device id differs",
  [ErrorCode.DeviceNotFound]: 'device not found',
  [ErrorCode.UserNotInGroup]: 'user not in group',
  [ErrorCode.GroupMemberNotFound]: 'group member not found',
  [ErrorCode.UserAlreadyInGroup]: 'user already in group',
  [ErrorCode.FriendNotFound]: 'friend relation not found',
  [ErrorCode.AlreadyFriends]: 'already friends',
  [ErrorCode.FriendRequestWaiting]: 'a friend request to this user is already waiting',
  [ErrorCode.Blocked]: 'one of the two users blocks the other',
  [ErrorCode.FriendSelf]: 'a user cannot befriend or block itself',
  [ErrorCode.GroupNotFound]: 'group not found',
  [ErrorCode.GroupDissolved]: 'the group was dissolved',
  [ErrorCode.GroupRoleRefused]: "the member's role does not allow this",
  [ErrorCode.GroupOwnerMustTransfer]: 'the owner must transfer ownership first',
  [ErrorCode.GroupFull]: 'the group is full',
  [ErrorCode.GroupMemberMuted]: 'the member is muted in this group',
  [ErrorCode.RoomNotJoined]: 'the connection is not in that room',
  [ErrorCode.RoomHistoryGap]:
    'subscribed, but messages after the given seq are no longer in the room history',
  [ErrorCode.RoomRateLimited]: 'too many room messages; retry later',
  [ErrorCode.MomentNotFound]: 'moment or comment not found',
  [ErrorCode.MomentFileRefused]:
    "a moment's files must be files the caller uploaded to this gim's file service",
  [ErrorCode.BadVerificationCode]: 'bad verification code',
  [ErrorCode.UserNotFound]: 'user not found',
  [ErrorCode.TooManyAttempts]: 'too many sign-in attempts; retry later',
  [ErrorCode.TokenExpired]: 'the token has expired; get a new one from your server',
  [ErrorCode.TokenBadSignature]: "the token's signature does not verify with its app's key",
  [ErrorCode.TokenAlgorithmRefused]: "the token's algorithm is not the one its key verifies",
  [ErrorCode.AppDisabled]: 'the app is disabled',
  [ErrorCode.TokenRevoked]: "the token was issued before its user's tokens were revoked",
  [ErrorCode.TokenUnknownKey]: "the token's key id names no key of its app",
  [ErrorCode.TokenMalformed]: 'the token is not a valid gim app token',
  [ErrorCode.AppNotFound]: 'app not found',
  [ErrorCode.MalformedFrame]: 'malformed frame',
  [ErrorCode.FrameTooLarge]: 'frame too large',
  [ErrorCode.UnknownCommand]: 'unknown command',
  [ErrorCode.SignInTimeout]: 'no sign-in in time',
  [ErrorCode.IdleTimeout]: 'connection idle too long',
  [ErrorCode.SignedInElsewhere]: 'the device signed in on another connection',
  [ErrorCode.SlowConsumer]: 'client reads too slowly; sync to catch up',
  [ErrorCode.ServerShutdown]: 'server shutting down; reconnect',
  [ErrorCode.AlreadySignedIn]: 'connection already signed in',
  [ErrorCode.TooManyConnections]: 'too many connections not yet signed in from this address',
  [ErrorCode.Unavailable]: 'temporarily unavailable; retry',
  [ErrorCode.Busy]: 'server busy; retry (a send with the same client_msg_id is stored at most once)',
  [ErrorCode.FileNotFound]: 'file not found',
  [ErrorCode.FileTooLarge]: 'file too large',
  [ErrorCode.FileTypeNotAllowed]: 'this type of file is not accepted',
  [ErrorCode.FileRangeNotSatisfiable]: 'range not satisfiable',
  [ErrorCode.FileStorageFull]: 'no room left for files; retry later',
};

/** The standard message for a code. */
export function defaultMessage(code: ErrorCode): string {
  return DEFAULT_MESSAGES[code];
}

/** True when `code` is one of the business codes above. */
export function isErrorCode(code: number): code is ErrorCode {
  return code in DEFAULT_MESSAGES;
}
