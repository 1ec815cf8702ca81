import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ErrorCode } from '@gim/errors';
import { CANONICAL_ERRORS } from './canonical-errors';

/** Every ErrorCode member as [name, code], read from the enum itself rather than from the table. */
const CODES = Object.entries(ErrorCode).filter(
  (entry): entry is [string, ErrorCode] => typeof entry[1] === 'number',
);

const statusOf = (code: ErrorCode): string => GrpcStatus[CANONICAL_ERRORS[code].status];

const upperSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

void describe('CANONICAL_ERRORS', () => {
  void it('has exactly one row for every ErrorCode, and nothing else', () => {
    assert.ok(CODES.length >= 50, `read ${CODES.length} codes from the enum`);
    const rows = Object.keys(CANONICAL_ERRORS).map(Number).sort();
    assert.deepEqual(rows, CODES.map(([, code]) => code).sort());
  });

  void it("names each reason after its code in UPPER_SNAKE, unique and within ErrorInfo's rules", () => {
    const reasons = CODES.map(([name, code]) => {
      const { reason } = CANONICAL_ERRORS[code];
      assert.equal(reason, upperSnake(name), `${code}: a published reason never changes`);
      assert.match(reason, /^[A-Z][A-Z0-9_]{0,61}[A-Z0-9]$/);
      return reason;
    });
    assert.equal(new Set(reasons).size, reasons.length);
  });

  void it('answers only with standard statuses that say something: never OK, UNKNOWN, INTERNAL or DATA_LOSS', () => {
    for (const [, code] of CODES) {
      const { status } = CANONICAL_ERRORS[code];
      assert.ok(status in GrpcStatus, `${code}: ${status} is a gRPC status`);
      assert.ok(
        ![GrpcStatus.OK, GrpcStatus.UNKNOWN, GrpcStatus.INTERNAL, GrpcStatus.DATA_LOSS].includes(status),
        `${code} → ${statusOf(code)}`,
      );
    }
  });

  void it('maps every "not found" to NOT_FOUND and every "already" to ALREADY_EXISTS or FAILED_PRECONDITION', () => {
    for (const [name, code] of CODES) {
      if (/NotFound$/.test(name)) assert.equal(statusOf(code), 'NOT_FOUND', name);
      if (/Already/.test(name))
        assert.ok(['ALREADY_EXISTS', 'FAILED_PRECONDITION'].includes(statusOf(code)), name);
    }
  });

  void it('groups the codes by what the caller can do about them', () => {
    const expected: Record<string, ErrorCode[]> = {
      UNAUTHENTICATED: [
        ErrorCode.Unauthorized,
        ErrorCode.BadVerificationCode,
        ErrorCode.TokenExpired,
        ErrorCode.TokenBadSignature,
        ErrorCode.TokenAlgorithmRefused,
        ErrorCode.TokenRevoked,
        ErrorCode.TokenUnknownKey,
        ErrorCode.TokenMalformed,
      ],
      PERMISSION_DENIED: [
        ErrorCode.UserNotInGroup,
        ErrorCode.Blocked,
        ErrorCode.GroupRoleRefused,
        ErrorCode.GroupMemberMuted,
        ErrorCode.AppDisabled,
      ],
      INVALID_ARGUMENT: [
        ErrorCode.BadRequest,
        ErrorCode.FriendSelf,
        ErrorCode.MomentFileRefused,
        ErrorCode.MalformedFrame,
        ErrorCode.FrameTooLarge,
        ErrorCode.FileTooLarge,
        ErrorCode.FileTypeNotAllowed,
      ],
      RESOURCE_EXHAUSTED: [
        ErrorCode.GroupFull,
        ErrorCode.RoomRateLimited,
        ErrorCode.TooManyAttempts,
        ErrorCode.SlowConsumer,
        ErrorCode.TooManyConnections,
        ErrorCode.FileStorageFull,
      ],
      UNAVAILABLE: [ErrorCode.ServerShutdown, ErrorCode.Unavailable, ErrorCode.Busy],
      OUT_OF_RANGE: [ErrorCode.RoomHistoryGap, ErrorCode.FileRangeNotSatisfiable],
      ABORTED: [ErrorCode.SignedInElsewhere],
      UNIMPLEMENTED: [ErrorCode.UnknownCommand],
      DEADLINE_EXCEEDED: [ErrorCode.SignInTimeout, ErrorCode.IdleTimeout],
    };
    for (const [status, codes] of Object.entries(expected)) {
      for (const code of codes) assert.equal(statusOf(code), status, `${code} (${ErrorCode[code]})`);
    }
    const grouped = new Set(Object.values(expected).flat());
    const rest = CODES.filter(([, code]) => !grouped.has(code)).map(([, code]) => statusOf(code));
    assert.deepEqual(
      [...new Set(rest)].sort(),
      ['ALREADY_EXISTS', 'FAILED_PRECONDITION', 'NOT_FOUND'],
      'every other code is a state the caller cannot retry its way out of',
    );
  });
});
