/** Discriminant of every error this library throws for bytes that break the wire protocol. */
export type ProtocolErrorCode =
  'FRAME_TOO_LARGE' | 'MALFORMED_VARINT' | 'TRUNCATED_FRAME' | 'MALFORMED_PACKET';

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

/** Any error this library throws for bad input, narrowed by its `code`. */
export type AnyProtocolError =
  FrameTooLargeError | MalformedVarintError | TruncatedFrameError | MalformedPacketError;
