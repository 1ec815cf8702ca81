import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FieldRangeError, FrameTooLargeError, MalformedPacketError, WireFormatError } from './errors';
import { encodeFrame } from './frame';
import {
  CloseNotice,
  Message,
  MessageCommand,
  Packet,
  PacketCommand,
  Reply,
  SendMessageReply,
} from './gen/connect/connect.ext';
import {
  closePacket,
  decodePacket,
  encodePacket,
  encodePacketFrame,
  encodeSeqPush,
  messagePacket,
  PROTOCOL_VERSION,
  replyPacket,
} from './packet';
import { packetArb } from '../test/arbitraries';

const heartbeat: Packet = {
  requestId: 'r1',
  command: PacketCommand.PC_HEARTBEAT,
  content: Buffer.alloc(0),
  seq: 0,
};

function isMalformed(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) =>
    e instanceof MalformedPacketError && e.code === 'MALFORMED_PACKET' && pattern.test(e.message);
}

void describe('encodeSeqPush', () => {
  void it('decodes like the PC_MESSAGE of the whole message, for any seq', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.maxSafeNat(),
        fc.maxSafeNat(),
        (content, seq, messageId) => {
          const message: Message = {
            command: MessageCommand.MC_GROUP_CHAT,
            content: Buffer.from(content),
            seq,
            createdAt: 1_700_000_000_000,
            roomId: 0,
            messageId,
          };
          const shared = Message.encode({ ...message, seq: 0 }).finish();
          const packet = decodePacket(encodeSeqPush(shared, seq));
          assert.deepEqual(packet, { ...messagePacket(message), content: packet.content });
          assert.deepEqual(Message.decode(packet.content), message);
        },
      ),
    );
  });
});

void describe('PROTOCOL_VERSION', () => {
  void it('is 1', () => {
    assert.equal(PROTOCOL_VERSION, 1);
  });
});

void describe('encodePacket / decodePacket', () => {
  void it('produces the protobuf encoding of the Packet fields', () => {
    assert.equal(encodePacket(heartbeat).toString('hex'), '0a0272311002');
    const push: Packet = {
      requestId: '',
      command: PacketCommand.PC_MESSAGE,
      content: Buffer.from([0xff]),
      seq: 300,
    };
    assert.equal(encodePacket(push).toString('hex'), '10041a01ff20ac02');
    assert.ok(Buffer.isBuffer(encodePacket(push)));
  });

  void it('frames a packet exactly like encodeFrame(encodePacket(p))', () => {
    assert.equal(encodePacketFrame(heartbeat).toString('hex'), '060a0272311002');
    fc.assert(
      fc.property(packetArb, (packet) => {
        assert.deepEqual(encodePacketFrame(packet), encodeFrame(encodePacket(packet)));
      }),
      { numRuns: 200 },
    );
  });

  void it('round-trips any packet', () => {
    fc.assert(
      fc.property(packetArb, (packet) => {
        assert.deepEqual(decodePacket(encodePacket(packet)), packet);
      }),
      { numRuns: 300 },
    );
  });

  void it('skips fields it does not know, so newer peers stay readable', () => {
    const future = Buffer.concat([
      encodePacket(heartbeat),
      Buffer.from([0x78, 0x2a, 0x82, 0x01, 0x02, 0x68, 0x69]),
    ]);
    assert.deepEqual(decodePacket(future), heartbeat);
  });

  void it('accepts a packet of exactly maxBytes and rejects one byte more', () => {
    const bytes = encodePacket({ ...heartbeat, content: Buffer.alloc(100, 1) });
    assert.deepEqual(decodePacket(bytes, bytes.length).content, Buffer.alloc(100, 1));
    assert.throws(
      () => decodePacket(bytes, bytes.length - 1),
      (e: unknown) =>
        e instanceof FrameTooLargeError && e.size === bytes.length && e.max === bytes.length - 1,
    );
  });

  void it('applies the 64 KiB default limit', () => {
    assert.throws(
      () => decodePacket(Buffer.alloc(65_537)),
      /^FrameTooLargeError: frame of 65537 bytes exceeds the 65536-byte limit$/,
    );
  });

  void it('rejects garbage with MalformedPacketError carrying the cause', () => {
    assert.throws(
      () => decodePacket(Buffer.from([0xff, 0xff, 0xff])),
      isMalformed(/^3-byte packet is not a valid Packet: /),
    );
    let caught: unknown;
    try {
      decodePacket(Buffer.from('not a protobuf packet'));
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof MalformedPacketError);
    assert.equal(caught.name, 'MalformedPacketError');
    assert.equal(caught.size, 21);
    assert.ok(caught.cause instanceof Error);
    assert.ok(caught.message.endsWith(caught.cause.message));
  });

  void it('rejects invalid wire types, field number 0 and stray end-group tags', () => {
    assert.throws(() => decodePacket(Buffer.from([0x0e, 0x00])), isMalformed(/wire type 6/));
    assert.throws(() => decodePacket(Buffer.from([0x0f, 0x00])), isMalformed(/wire type 7/));
    assert.throws(() => decodePacket(Buffer.from([0x00])), isMalformed(/field number 0/));
    assert.throws(() => decodePacket(Buffer.from([0x02, 0x00])), isMalformed(/field number 0/));
    assert.throws(
      () => decodePacket(Buffer.concat([encodePacket(heartbeat), Buffer.from([0x0c])])),
      isMalformed(/end-group/),
    );
  });

  void it('rejects truncated fields', () => {
    const bytes = encodePacket({ ...heartbeat, requestId: 'request-1' });
    for (let end = 1; end < bytes.length; end++) {
      if (end === 11) continue;
      assert.throws(
        () => decodePacket(bytes.subarray(0, end)),
        (e: unknown) =>
          isMalformed(/ends inside a varint|exceeds the \d+ byte\(s\) left/)(e) &&
          e instanceof MalformedPacketError &&
          e.cause instanceof WireFormatError,
        `cut at ${end}`,
      );
    }
    assert.deepEqual(decodePacket(bytes.subarray(0, 11)), {
      ...heartbeat,
      requestId: 'request-1',
      command: 0,
    });
  });

  void it('refuses a seq above Number.MAX_SAFE_INTEGER with FieldRangeError naming the request', () => {
    const seq = (value: bigint) => {
      const bytes = [0x20];
      for (let rest = value; ; rest >>= 7n) {
        if (rest < 0x80n) return Buffer.from([...bytes, Number(rest)]);
        bytes.push(Number(rest & 0x7fn) | 0x80);
      }
    };
    const head = encodePacket({ ...heartbeat, requestId: 'big-seq', command: PacketCommand.PC_SYNC });
    for (const value of [2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]) {
      // The seq may come before or after the fields that identify the request.
      for (const bytes of [Buffer.concat([head, seq(value)]), Buffer.concat([seq(value), head])]) {
        assert.throws(
          () => decodePacket(bytes),
          (e: unknown) =>
            e instanceof FieldRangeError &&
            e.code === 'FIELD_OUT_OF_RANGE' &&
            e.field === 'seq' &&
            e.value === value &&
            e.requestId === 'big-seq' &&
            e.command === PacketCommand.PC_SYNC &&
            e.message === `Packet field seq = ${value} exceeds Number.MAX_SAFE_INTEGER`,
        );
      }
    }
    assert.equal(decodePacket(Buffer.concat([head, seq(2n ** 53n - 1n)])).seq, Number.MAX_SAFE_INTEGER);
    // The last value of a field wins, as in protobuf: a later in-range seq replaces an earlier one.
    assert.equal(decodePacket(Buffer.concat([seq(2n ** 60n), head, seq(7n)])).seq, 7);
  });

  void it('decodes exactly like the generated Packet.decode, with content as a view of the input', () => {
    fc.assert(
      fc.property(packetArb, (packet) => {
        const bytes = encodePacket(packet);
        const decoded = decodePacket(bytes);
        assert.deepEqual(decoded, Packet.decode(bytes));
        if (decoded.content.length > 0) assert.equal(decoded.content.buffer, bytes.buffer);
      }),
      { numRuns: 200 },
    );
  });

  void it('either decodes random bytes or throws MalformedPacketError (or FieldRangeError)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodePacket(bytes);
        } catch (error) {
          assert.ok(error instanceof MalformedPacketError || error instanceof FieldRangeError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

void describe('packet builders', () => {
  void it('builds a reply carrying the request id, command and an encoded Reply', () => {
    const data = SendMessageReply.encode({ messageId: 42, seq: 7, createdAt: 1_700_000_000_000 }).finish();
    const packet = decodePacket(
      encodePacket(replyPacket('req-7', PacketCommand.PC_SEND_MESSAGE, 0, '', data)),
    );
    assert.equal(packet.requestId, 'req-7');
    assert.equal(packet.command, PacketCommand.PC_SEND_MESSAGE);
    assert.equal(packet.seq, 0);
    const reply = Reply.decode(packet.content);
    assert.equal(reply.code, 0);
    assert.equal(reply.message, '');
    assert.deepEqual(SendMessageReply.decode(reply.data), {
      messageId: 42,
      seq: 7,
      createdAt: 1_700_000_000_000,
    });
  });

  void it('builds an error reply without data', () => {
    const packet = decodePacket(
      encodePacket(replyPacket('r2', PacketCommand.PC_SYNC, 10010, 'not signed in')),
    );
    assert.deepEqual(Reply.decode(packet.content), {
      code: 10010,
      message: 'not signed in',
      data: Buffer.alloc(0),
    });
    assert.equal(packet.command, PacketCommand.PC_SYNC);
  });

  void it('builds a message push that repeats the message seq', () => {
    const message: Message = {
      command: MessageCommand.MC_USER_CHAT,
      content: Buffer.from('hello'),
      seq: 2 ** 53 - 1,
      createdAt: 1_700_000_000_123,
      roomId: 0,
      messageId: 987_654_321,
    };
    const packet = decodePacket(encodePacket(messagePacket(message)));
    assert.equal(packet.requestId, '');
    assert.equal(packet.command, PacketCommand.PC_MESSAGE);
    assert.equal(packet.seq, 2 ** 53 - 1);
    assert.deepEqual(Message.decode(packet.content), message);
  });

  void it('builds a close notice', () => {
    const packet = decodePacket(encodePacket(closePacket(10003, 'signed in elsewhere')));
    assert.equal(packet.requestId, '');
    assert.equal(packet.command, PacketCommand.PC_CLOSE);
    assert.equal(packet.seq, 0);
    assert.deepEqual(CloseNotice.decode(packet.content), {
      code: 10003,
      reason: 'signed in elsewhere',
      reconnectAfterMs: 0,
    });
  });

  void it('carries a reconnect delay in a close notice, which older peers read as the same notice', () => {
    const packet = decodePacket(encodePacket(closePacket(10407, 'server shutting down', 1_234)));
    assert.deepEqual(CloseNotice.decode(packet.content), {
      code: 10407,
      reason: 'server shutting down',
      reconnectAfterMs: 1_234,
    });
    // field 3 (varint 1234) after fields 1 and 2: a decoder that knows only code and reason skips it
    assert.deepEqual([...packet.content.subarray(-3)], [0x18, 0xd2, 0x09]);
    const withoutDelay = CloseNotice.encode({
      code: 10407,
      reason: 'server shutting down',
      reconnectAfterMs: 0,
    });
    assert.deepEqual(
      Buffer.from(withoutDelay.finish()),
      packet.content.subarray(0, -3),
      'a zero delay is not written at all: the bytes of a notice without the field',
    );
  });
});
