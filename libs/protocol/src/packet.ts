import { FieldRangeError, FrameTooLargeError, MalformedPacketError, WireFormatError } from './errors';
import { DEFAULT_MAX_FRAME_BYTES } from './frame';
import { CloseNotice, Message, Packet, PacketCommand, Reply } from './gen/connect/connect.ext';
import { BinaryReader, BinaryWriter, WireType } from './wire';

/** Version of the wire protocol (framing and Packet layout) this library speaks. */
export const PROTOCOL_VERSION = 1;

const EMPTY = Buffer.alloc(0);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encodes a Packet as protobuf: one binary WebSocket message, or the body of one TCP frame. */
export function encodePacket(packet: Packet): Buffer {
  return Packet.encode(packet).finish();
}

/** Encodes a Packet as one complete TCP frame (length prefix and body) in a single buffer. */
export function encodePacketFrame(packet: Packet): Buffer {
  return Packet.encode(packet, new BinaryWriter().fork()).join().finish();
}

// Tags of the Packet fields (field number << 3 | wire type).
const REQUEST_ID_TAG = (1 << 3) | WireType.LengthDelimited;
const COMMAND_TAG = (2 << 3) | WireType.Varint;
const CONTENT_TAG = (3 << 3) | WireType.LengthDelimited;
const SEQ_TAG = (4 << 3) | WireType.Varint;

// Decodes like the generated Packet.decode (last value of a field wins, unknown fields are skipped), but
// rejects field number 0 and stray end-group tags, where the generated decoder silently stops, and turns an
// out-of-range seq into a FieldRangeError that still names the request.
function readPacket(reader: BinaryReader): Packet {
  const packet: Packet = { requestId: '', command: PacketCommand.PC_UNKNOWN, content: EMPTY, seq: 0 };
  let seq: number | bigint = 0;
  while (reader.pos < reader.len) {
    const at = reader.pos;
    const tag = reader.uint32();
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNo === 0) throw new WireFormatError('bad-field-number', at, 'field number 0');
    if (wireType === WireType.EndGroup) {
      throw new WireFormatError('bad-group', at, `end-group tag for field ${fieldNo} without a start-group`);
    }
    switch (tag) {
      case REQUEST_ID_TAG:
        packet.requestId = reader.string();
        break;
      case COMMAND_TAG:
        packet.command = reader.int32();
        break;
      case CONTENT_TAG:
        packet.content = reader.bytes();
        break;
      case SEQ_TAG:
        seq = reader.uint64();
        break;
      default:
        reader.skip(wireType, fieldNo);
    }
  }
  if (typeof seq === 'bigint') throw new FieldRangeError('seq', seq, packet.requestId, packet.command);
  packet.seq = seq;
  return packet;
}

/**
 * Decodes one Packet from a TCP frame body or a binary WebSocket message. Throws FrameTooLargeError when
 * `bytes` is longer than `maxBytes`, MalformedPacketError when they are not a valid protobuf Packet, and
 * FieldRangeError when they are but seq is above 2^53-1. `content` is a view of `bytes`, not a copy.
 */
export function decodePacket(bytes: Uint8Array, maxBytes: number = DEFAULT_MAX_FRAME_BYTES): Packet {
  if (bytes.length > maxBytes) throw new FrameTooLargeError(bytes.length, maxBytes);
  try {
    return readPacket(new BinaryReader(bytes));
  } catch (error) {
    if (error instanceof FieldRangeError) throw error;
    throw new MalformedPacketError(bytes.length, error);
  }
}

/** The server's answer to client packet `requestId`: content is a Reply of `code`, `message` and optional `data`. */
export function replyPacket(
  requestId: string,
  command: PacketCommand,
  code: number,
  message: string,
  data?: Uint8Array,
): Packet {
  const reply: Reply = { code, message, data: data === undefined ? EMPTY : asBuffer(data) };
  return { requestId, command, content: Reply.encode(reply).finish(), seq: 0 };
}

/** A PC_MESSAGE push of `message`, whose seq the packet repeats so gaps show without decoding content. */
export function messagePacket(message: Message): Packet {
  return {
    requestId: '',
    command: PacketCommand.PC_MESSAGE,
    content: Message.encode(message).finish(),
    seq: message.seq,
  };
}

// Tag of Message.seq.
const MESSAGE_SEQ_TAG = (4 << 3) | WireType.Varint;

/**
 * The encoded PC_MESSAGE packet of a Message whose other fields were encoded once for every recipient
 * (`message`, without a seq): `seq` is appended to it (field order is free in protobuf) and repeated in the packet.
 */
export function encodeSeqPush(message: Uint8Array, seq: number): Buffer {
  const content =
    seq === 0
      ? asBuffer(message)
      : Buffer.concat([message, new BinaryWriter().uint32(MESSAGE_SEQ_TAG).uint64(seq).finish()]);
  return encodePacket({ requestId: '', command: PacketCommand.PC_MESSAGE, content, seq });
}

/**
 * A PC_CLOSE notice: the gim error `code` and `reason` for which the server is about to close the connection, and
 * how long the client should wait before reconnecting (0: at once).
 */
export function closePacket(code: number, reason: string, reconnectAfterMs = 0): Packet {
  const notice: CloseNotice = { code, reason, reconnectAfterMs };
  return {
    requestId: '',
    command: PacketCommand.PC_CLOSE,
    content: CloseNotice.encode(notice).finish(),
    seq: 0,
  };
}
