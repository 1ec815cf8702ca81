import type { PacketCommand } from './gen/connect/connect.ext';

/** Discriminant of every error this library throws for bytes that break the wire protocol. */
export type ProtocolErrorCode =
  | 'FRAME_TOO_LARGE'
  | 'MALFORMED_VARINT'
  | 'TRUNCATED_FRAME'
  | 'MALFORMED_PACKET'
  | 'MALFORMED_WIRE'
  | 'FIELD_OUT_OF_RANGE';

/** Base class of the errors raised for bytes that break the wire protocol; the peer should be disconnected. */
export abstract class ProtocolError extends Error {
  /** Which protocol violation this is; switch on it to tell the subclasses apart. */
  abstract readonly code: ProtocolErrorCode;

  /** Creates the error and names it after the concrete subclass. */
  protected constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A frame (or WebSocket message) whose announced or actual size is above the configured maximum. */
export class FrameTooLargeError extends ProtocolError {
  /** Always 'FRAME_TOO_LARGE'. */
  readonly code = 'FRAME_TOO_LARGE';

  /** Creates the error for a body of `size` bytes against a limit of `max` bytes. */
  constructor(
    /** Size of the frame body in bytes, as announced by its length prefix or as received. */
    readonly size: number,
    /** The maximum body size in bytes that was exceeded. */
    readonly max: number,
  ) {
    super(`frame of ${size} bytes exceeds the ${max}-byte limit`);
  }
}

/** A frame length prefix that is not a varint of at most 5 bytes holding an unsigned 32-bit value. */
export class MalformedVarintError extends ProtocolError {
  /** Always 'MALFORMED_VARINT'. */
  readonly code = 'MALFORMED_VARINT';

  /** Creates the error with the reason the prefix was rejected. */
  constructor(
    /** 'too-long' when a fifth byte still has its continuation bit set, 'overflow' when the value exceeds 2^32-1. */
    readonly reason: 'too-long' | 'overflow',
  ) {
    super(
      reason === 'too-long'
        ? 'frame length prefix is longer than 5 bytes'
        : 'frame length prefix does not fit in 32 bits',
    );
  }
}

/** The byte stream ended in the middle of a frame. */
export class TruncatedFrameError extends ProtocolError {
  /** Always 'TRUNCATED_FRAME'. */
  readonly code = 'TRUNCATED_FRAME';

  /** Creates the error for a stream that stopped inside the given part of a frame. */
  constructor(
    /** Which part of the frame was cut: its length prefix or its body. */
    readonly partial: 'length' | 'body',
    /** Bytes of that part that did arrive. */
    readonly received: number,
    /** Bytes still needed to complete that part; for a length prefix a lower bound, since its size is unknown. */
    readonly missing: number,
  ) {
    super(
      partial === 'length'
        ? `stream ended inside a frame length prefix after ${received} byte(s)`
        : `stream ended ${missing} byte(s) short of a ${received + missing}-byte frame body`,
    );
  }
}

/** Bytes that do not decode as a protobuf Packet; `cause` holds the decoder's own error. */
export class MalformedPacketError extends ProtocolError {
  /** Always 'MALFORMED_PACKET'. */
  readonly code = 'MALFORMED_PACKET';

  /** Creates the error for a packet of `size` bytes that failed to decode with `cause`. */
  constructor(
    /** Size in bytes of the rejected packet. */
    readonly size: number,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${size}-byte packet is not a valid Packet: ${reason}`, { cause });
  }
}

/** What is wrong with protobuf bytes that WireFormatError rejects. */
export type WireFormatReason =
  'truncated' | 'bad-varint' | 'bad-length' | 'bad-wire-type' | 'bad-group' | 'bad-field-number' | 'bad-utf8';

/** Protobuf bytes that break the wire format, raised by BinaryReader (and so by every generated decoder). */
export class WireFormatError extends ProtocolError {
  /** Always 'MALFORMED_WIRE'. */
  readonly code = 'MALFORMED_WIRE';

  /** Creates the error for the value starting at byte `offset` of the input. */
  constructor(
    /** Which rule the bytes break. */
    readonly reason: WireFormatReason,
    /** Offset in the input of the tag or value that was rejected. */
    readonly offset: number,
    detail: string,
  ) {
    super(`${detail} at byte ${offset}`);
  }
}

/**
 * A well-formed Packet with an integer field beyond Number.MAX_SAFE_INTEGER. Unlike the other errors it
 * names the request, so the peer can be answered with a bad-request reply and keep its connection.
 */
export class FieldRangeError extends ProtocolError {
  /** Always 'FIELD_OUT_OF_RANGE'. */
  readonly code = 'FIELD_OUT_OF_RANGE';

  /** Creates the error for Packet field `field` holding `value`, in the packet of `requestId` and `command`. */
  constructor(
    /** Name of the Packet field, as in the generated interface. */
    readonly field: string,
    /** The exact value on the wire. */
    readonly value: bigint,
    /** The packet's request id. */
    readonly requestId: string,
    /** The packet's command. */
    readonly command: PacketCommand,
  ) {
    super(`Packet field ${field} = ${value} exceeds Number.MAX_SAFE_INTEGER`);
  }
}

/** Any error this library throws for bad input, narrowed by its `code`. */
export type AnyProtocolError =
  | FrameTooLargeError
  | MalformedVarintError
  | TruncatedFrameError
  | MalformedPacketError
  | WireFormatError
  | FieldRangeError;
