import { encodeFrame, encodePacket, encodePacketFrame, Packet } from '@gim/protocol';
import { encodeWsFrame } from '../ws/ws-frame';

/** How packets become write units on one transport: TCP frames (varint length + packet) or WS frames. */
export interface Framing {
  /** Encodes a packet as one write unit. */
  encode(packet: Packet): Buffer;
  /** Turns already-encoded packet bytes into one write unit; called once per push, shared by every target. */
  wrap(packetBytes: Buffer): Buffer;
}

/** TCP: every write unit is a length-prefixed frame. */
export const TCP_FRAMING: Framing = { encode: encodePacketFrame, wrap: encodeFrame };

/**
 * WebSocket: every write unit is one complete binary server frame (header + packet), built once and written
 * as-is to every target socket.
 */
export const WS_FRAMING: Framing = {
  encode: (packet) => encodeWsFrame(encodePacket(packet)),
  wrap: (packetBytes) => encodeWsFrame(packetBytes),
};
