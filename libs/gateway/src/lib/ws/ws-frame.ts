/** WebSocket opcodes (RFC 6455 §5.2). */
export const enum WsOpcode {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xa,
}

/** Bytes of the header of an unmasked server frame carrying `length` payload bytes. */
function headerLength(length: number): number {
  if (length < 126) return 2;
  return length < 0x1_0000 ? 4 : 10;
}

/**
 * One complete, unmasked, final server frame (header and payload in a single buffer). A server frame is the
 * same for every client, so a push is framed once and the same bytes are written to every target socket.
 */
export function encodeWsFrame(payload: Uint8Array, opcode: WsOpcode = WsOpcode.Binary): Buffer {
  const length = payload.length;
  const offset = headerLength(length);
  const frame = Buffer.allocUnsafe(offset + length);
  frame[0] = 0x80 | opcode;
  if (offset === 2) {
    frame[1] = length;
  } else if (offset === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(payload, offset);
  return frame;
}

/** The payload of a close frame: the status code, then the reason in UTF-8 cut to fit 125 bytes. */
export function closePayload(code: number, reason: string): Buffer {
  const text = Buffer.from(reason);
  let end = Math.min(text.length, 123);
  // Never cut inside a UTF-8 sequence: back up to the start of the character.
  while (end < text.length && end > 0 && ((text[end] ?? 0) & 0xc0) === 0x80) end--;
  const payload = Buffer.allocUnsafe(2 + end);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2, 0, end);
  return payload;
}
