import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { FrameTooLargeError, MalformedPacketError } from './errors';
import { DEFAULT_MAX_FRAME_BYTES } from './frame';
import { CloseNotice, Message, Packet, PacketCommand, Reply } from './gen/connect/connect.ext';

/** Version of the wire protocol (framing and Packet layout) this library speaks. */
export const PROTOCOL_VERSION = 1;

const EMPTY = Buffer.alloc(0);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function finish(writer: BinaryWriter): Buffer {
  return asBuffer(writer.finish());
}

/** Encodes a Packet as protobuf: one binary WebSocket message, or the body of one TCP frame. */
export function encodePacket(packet: Packet): Buffer {
  return finish(Packet.encode(packet));
}

/** Encodes a Packet as one complete TCP frame (length prefix and body) in a single buffer. */
export function encodePacketFrame(packet: Packet): Buffer {
  return finish(Packet.encode(packet, new BinaryWriter().fork()).join());
}

// The generated decoder silently stops at a zero tag or a stray end-group tag; protobuf forbids both.
function assertWellFormed(reader: BinaryReader): void {
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (wireType === WireType.EndGroup) throw new Error(`unexpected end-group tag for field ${fieldNo}`);
    reader.skip(wireType, fieldNo);
  }
}

/**
 * Decodes one Packet from a TCP frame body or a binary WebSocket message. Throws FrameTooLargeError when
 * `bytes` is longer than `maxBytes`, MalformedPacketError when they are not a valid protobuf Packet.
 */
export function decodePacket(bytes: Uint8Array, maxBytes: number = DEFAULT_MAX_FRAME_BYTES): Packet {
  if (bytes.length > maxBytes) throw new FrameTooLargeError(bytes.length, maxBytes);
  try {
    const reader = new BinaryReader(bytes);
    assertWellFormed(reader);
    reader.pos = 0;
    return Packet.decode(reader);
  } catch (error) {
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
  return { requestId, command, content: finish(Reply.encode(reply)), seq: 0 };
}

/** A PC_MESSAGE push of `message`, whose seq the packet repeats so gaps show without decoding content. */
export function messagePacket(message: Message): Packet {
  return {
    requestId: '',
    command: PacketCommand.PC_MESSAGE,
    content: finish(Message.encode(message)),
    seq: message.seq,
  };
}

/** A PC_CLOSE notice: the gim error `code` and `reason` for which the server is about to close the connection. */
export function closePacket(code: number, reason: string): Packet {
  const notice: CloseNotice = { code, reason };
  return {
    requestId: '',
    command: PacketCommand.PC_CLOSE,
    content: finish(CloseNotice.encode(notice)),
    seq: 0,
  };
}
