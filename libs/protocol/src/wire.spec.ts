import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ProtocolError, WireFormatError, WireFormatReason } from './errors';
import {
  CloseNotice,
  Message,
  MessageCommand,
  Reply,
  SendMessageReply,
  SendMessageRequest,
  SignInRequest,
  SyncReply,
  SyncRequest,
} from './gen/connect/connect.ext';
import { BinaryReader, BinaryWriter, WireType } from './wire';

const hex = (text: string): Buffer => Buffer.from(text.replace(/ /g, ''), 'hex');

function written(write: (writer: BinaryWriter) => unknown): string {
  const writer = new BinaryWriter();
  write(writer);
  return writer.finish().toString('hex');
}

function isWireError(reason: WireFormatReason, offset?: number): (e: unknown) => boolean {
  return (e: unknown) =>
    e instanceof WireFormatError &&
    e instanceof ProtocolError &&
    e.code === 'MALFORMED_WIRE' &&
    e.reason === reason &&
    (offset === undefined || e.offset === offset);
}

/** Varints as protobuf encodes them: [value as the field type takes it, encoding]. */
const uint64Vectors: Array<[bigint, string]> = [
  [0n, '00'],
  [1n, '01'],
  [127n, '7f'],
  [128n, '8001'],
  [300n, 'ac02'],
  [2n ** 32n - 1n, 'ffffffff0f'],
  [2n ** 32n, '8080808010'],
  [2n ** 53n - 1n, 'ffffffffffffff0f'],
  [2n ** 53n, '8080808080808010'],
  [2n ** 63n, '80808080808080808001'],
  [2n ** 64n - 1n, 'ffffffffffffffffff01'],
];
const int64Vectors: Array<[bigint, string]> = [
  [-1n, 'ffffffffffffffffff01'],
  [-(2n ** 31n), '80808080f8ffffffff01'],
  [-(2n ** 53n) + 1n, '81808080808080f0ff01'],
  [-(2n ** 53n), '80808080808080f0ff01'],
  [-(2n ** 63n), '80808080808080808001'],
  [2n ** 63n - 1n, 'ffffffffffffffff7f'],
];

const safeOrBig = (value: bigint): number | bigint =>
  value >= -(2n ** 53n - 1n) && value <= 2n ** 53n - 1n ? Number(value) : value;

const messageArb: fc.Arbitrary<Message> = fc
  .record({
    command: fc.constantFrom(
      MessageCommand.MC_UNKNOWN,
      MessageCommand.MC_USER_CHAT,
      MessageCommand.MC_GROUP_CHAT,
    ),
    content: fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
    seq: fc.maxSafeNat(),
    createdAt: fc.maxSafeInteger(),
    roomId: fc.maxSafeNat(),
    messageId: fc.maxSafeNat(),
  })
  .map((fields) => ({ ...fields }));

void describe('BinaryWriter / BinaryReader varints', () => {
  void it('writes and reads uint64 and int64 as protobuf encodes them', () => {
    for (const [value, encoding] of uint64Vectors) {
      assert.equal(
        written((w) => w.uint64(value)),
        encoding,
        `uint64 ${value}`,
      );
      assert.equal(new BinaryReader(hex(encoding)).uint64(), safeOrBig(value), `uint64 ${value}`);
    }
    for (const [value, encoding] of int64Vectors) {
      assert.equal(
        written((w) => w.int64(value)),
        encoding,
        `int64 ${value}`,
      );
      assert.equal(new BinaryReader(hex(encoding)).int64(), safeOrBig(value), `int64 ${value}`);
    }
  });

  void it('returns numbers up to 2^53-1 and bigints beyond, and writes numbers like the same bigints', () => {
    const reader = new BinaryReader(hex('ffffffffffffff0f 8080808080808010'));
    assert.equal(reader.uint64(), Number.MAX_SAFE_INTEGER);
    assert.equal(reader.uint64(), 2n ** 53n);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (value) => {
        const bytes = written((w) => w.uint64(value));
        assert.equal(new BinaryReader(hex(bytes)).uint64(), safeOrBig(value));
        if (value <= 2n ** 53n)
          assert.equal(
            written((w) => w.uint64(Number(value))),
            bytes,
          );
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (value) => {
        const bytes = written((w) => w.int64(value));
        assert.equal(new BinaryReader(hex(bytes)).int64(), safeOrBig(value));
        if (value >= -(2n ** 53n) && value <= 2n ** 53n) {
          assert.equal(
            written((w) => w.int64(Number(value))),
            bytes,
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  void it('writes and reads uint32, int32 and bool', () => {
    assert.equal(
      written((w) =>
        w
          .uint32(0)
          .uint32(300)
          .uint32(2 ** 32 - 1),
      ),
      '00ac02ffffffff0f',
    );
    assert.equal(
      written((w) => w.int32(-1)),
      'ffffffffffffffffff01',
    );
    assert.equal(
      written((w) => w.int32(2 ** 31 - 1).int32(-(2 ** 31))),
      'ffffffff0780808080f8ffffffff01',
    );
    assert.equal(
      written((w) => w.bool(true).bool(false)),
      '0100',
    );
    const reader = new BinaryReader(hex('ac02 ffffffffffffffffff01 80808080f8ffffffff01 00 02 8001'));
    assert.equal(reader.uint32(), 300);
    assert.equal(reader.int32(), -1);
    assert.equal(reader.int32(), -(2 ** 31));
    assert.equal(reader.bool(), false);
    assert.equal(reader.bool(), true);
    assert.equal(reader.bool(), true);
    assert.equal(reader.pos, reader.len);
    // uint32 keeps the low 32 bits of a wider varint, as protobuf specifies.
    assert.equal(new BinaryReader(hex('8180808010')).uint32(), 1);
  });

  void it('refuses values outside a field type with RangeError', () => {
    const w = new BinaryWriter();
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) assert.throws(() => w.uint32(bad), RangeError);
    for (const bad of [2 ** 31, -(2 ** 31) - 1, 0.5]) assert.throws(() => w.int32(bad), RangeError);
    for (const bad of [-1, 2 ** 64, 0.5, Number.POSITIVE_INFINITY, -1n, 2n ** 64n]) {
      assert.throws(() => w.uint64(bad), RangeError);
    }
    for (const bad of [2 ** 63, -(2 ** 63) - 4096, 0.5, 2n ** 63n, -(2n ** 63n) - 1n]) {
      assert.throws(() => w.int64(bad), RangeError);
    }
    assert.equal(w.finish().length, 0);
  });
});

void describe('BinaryWriter / BinaryReader length-delimited fields', () => {
  void it('writes and reads strings as UTF-8, keeping a leading BOM', () => {
    for (const text of ['', 'req-1', 'héllo', '消息', '🙂 ok', '\uFEFFbom', 'x'.repeat(300)]) {
      const bytes = hex(written((w) => w.string(text)));
      assert.equal(bytes.length - (text.length >= 128 ? 2 : 1), Buffer.byteLength(text));
      const reader = new BinaryReader(bytes);
      assert.equal(reader.string(), text);
      assert.equal(reader.pos, bytes.length);
    }
  });

  void it('rejects a string that is not valid UTF-8', () => {
    for (const body of ['c3', 'ff', 'eda080', 'c328']) {
      const bytes = hex(`0a ${body}`);
      bytes[0] = bytes.length - 1;
      assert.throws(() => new BinaryReader(bytes).string(), isWireError('bad-utf8', 0));
    }
  });

  void it('reads bytes as views of the input, also from a plain Uint8Array', () => {
    const input = hex('03 616263 00');
    const reader = new BinaryReader(input);
    const abc = reader.bytes();
    assert.ok(Buffer.isBuffer(abc));
    assert.deepEqual(abc, Buffer.from('abc'));
    assert.equal(abc.buffer, input.buffer);
    input[1] = 0x7a;
    assert.equal(abc.toString(), 'zbc');
    assert.deepEqual(reader.bytes(), Buffer.alloc(0));

    const plain = new Uint8Array([0xff, 0x02, 0x68, 0x69]).subarray(1);
    const view = new BinaryReader(plain).bytes();
    assert.ok(Buffer.isBuffer(view));
    assert.equal(view.toString(), 'hi');
    assert.equal(view.buffer, plain.buffer);
  });

  void it('copies bytes written, so later changes to the source do not show', () => {
    const source = Buffer.from('abc');
    const w = new BinaryWriter().bytes(source);
    source.fill(0);
    assert.equal(w.finish().toString('hex'), '03616263');
  });

  void it('nests forked submessages and prefixes each with its length', () => {
    const w = new BinaryWriter();
    w.uint32(10)
      .fork()
      .uint32(8)
      .uint32(1)
      .uint32(18)
      .fork()
      .string('x'.repeat(200))
      .join()
      .join()
      .bool(true);
    const bytes = w.finish();
    const reader = new BinaryReader(bytes);
    assert.equal(reader.uint32(), 10);
    const outer = reader.uint32();
    assert.equal(outer, bytes.length - 1 - 2 - 1);
    assert.equal(reader.uint32(), 8);
    assert.equal(reader.uint32(), 1);
    assert.equal(reader.uint32(), 18);
    assert.equal(reader.uint32(), 202);
    assert.equal(reader.string(), 'x'.repeat(200));
    assert.equal(reader.bool(), true);
    assert.equal(reader.pos, reader.len);
  });

  void it('starts afresh after finish and leaves earlier results untouched', () => {
    const w = new BinaryWriter();
    const first = w.string('first').finish();
    assert.equal(w.finish().length, 0);
    const second = w.string('second').finish();
    assert.equal(new BinaryReader(first).string(), 'first');
    assert.equal(new BinaryReader(second).string(), 'second');
  });

  void it('refuses join without fork and finish with an open fork', () => {
    assert.throws(() => new BinaryWriter().join(), /join\(\) without fork\(\)/);
    assert.throws(() => new BinaryWriter().fork().finish(), /not joined/);
  });
});

void describe('BinaryReader.skip', () => {
  void it('skips every wire type, groups included, to just past the value', () => {
    const cases: Array<[WireType, string]> = [
      [WireType.Varint, 'ffffffffffffffffff01'],
      [WireType.Bit64, '0102030405060708'],
      [WireType.LengthDelimited, '03616263'],
      [WireType.Bit32, '01020304'],
      // Start-group of field 1 was the tag; inside it: field 2 varint, a nested group 3, then end-group 1.
      [WireType.StartGroup, '1005 1b 2001 1c 0c'],
    ];
    for (const [wireType, value] of cases) {
      const reader = new BinaryReader(hex(`${value} 7f`));
      reader.skip(wireType, 1);
      assert.equal(reader.uint32(), 0x7f, `wire type ${wireType}`);
    }
  });

  void it('rejects invalid wire types, a stray end-group and a mismatched one', () => {
    assert.throws(() => new BinaryReader(hex('00')).skip(6), isWireError('bad-wire-type', 0));
    assert.throws(() => new BinaryReader(hex('00')).skip(7), isWireError('bad-wire-type', 0));
    assert.throws(() => new BinaryReader(hex('00')).skip(WireType.EndGroup), isWireError('bad-group', 0));
    assert.throws(
      () => new BinaryReader(hex('14')).skip(WireType.StartGroup, 1),
      isWireError('bad-group', 0),
    );
    assert.throws(
      () => new BinaryReader(hex('1b 0c')).skip(WireType.StartGroup, 1),
      isWireError('bad-group', 1),
    );
    assert.throws(
      () => new BinaryReader(hex('0801')).skip(WireType.StartGroup, 1),
      isWireError('truncated', 2),
    );
    assert.throws(
      () => new BinaryReader(hex('0e')).skip(WireType.StartGroup),
      isWireError('bad-wire-type', 1),
    );
  });
});

void describe('BinaryReader on malformed input', () => {
  void it('throws on a truncated varint, wherever it is cut', () => {
    const encoding = hex('ffffffffffffffffff01');
    for (let cut = 0; cut < encoding.length; cut++) {
      const bytes = Buffer.concat([hex('05'), encoding.subarray(0, cut)]);
      const reader = new BinaryReader(bytes);
      reader.uint32();
      assert.throws(() => reader.uint64(), isWireError('truncated', 1), `cut at ${cut}`);
    }
    assert.throws(() => new BinaryReader(hex('')).uint32(), isWireError('truncated', 0));
    assert.throws(() => new BinaryReader(hex('80')).uint32(), isWireError('truncated', 0));
  });

  void it('throws on a varint longer than 10 bytes or above 64 bits', () => {
    assert.throws(
      () => new BinaryReader(hex('ffffffffffffffffff8001')).uint64(),
      isWireError('bad-varint', 0),
    );
    assert.throws(() => new BinaryReader(hex('ffffffffffffffffff02')).uint64(), isWireError('bad-varint', 0));
    assert.throws(() => new BinaryReader(hex('80808080808080808080')).uint32(), isWireError('bad-varint', 0));
  });

  void it('throws on a length beyond the input, never reading bytes outside its view', () => {
    const parent = Buffer.from('\x05abcdefgh', 'latin1');
    const view = parent.subarray(0, 4);
    assert.throws(() => new BinaryReader(view).bytes(), isWireError('bad-length', 0));
    assert.throws(() => new BinaryReader(view).string(), isWireError('bad-length', 0));
    assert.throws(() => new BinaryReader(view).skip(WireType.LengthDelimited), isWireError('bad-length', 0));
    assert.throws(() => new BinaryReader(hex('8080808010')).bytes(), isWireError('bad-length', 0));
    assert.throws(() => new BinaryReader(hex('ffffffffffffffffff01')).bytes(), isWireError('bad-length', 0));
  });

  void it('throws on truncated fixed-width values', () => {
    assert.throws(
      () => new BinaryReader(hex('01020304050607')).skip(WireType.Bit64),
      isWireError('truncated', 0),
    );
    assert.throws(() => new BinaryReader(hex('010203')).skip(WireType.Bit32), isWireError('truncated', 0));
  });

  void it('never reads past the end: random reads either succeed within bounds or throw WireFormatError', () => {
    const opArb = fc.constantFrom('uint32', 'int32', 'uint64', 'int64', 'bool', 'bytes', 'string', 'skip');
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.array(opArb, { maxLength: 12 }),
        fc.nat(7),
        (bytes, ops, wt) => {
          const reader = new BinaryReader(bytes);
          for (const op of ops) {
            try {
              if (op === 'skip') reader.skip(wt, 1);
              else reader[op]();
            } catch (error) {
              assert.ok(error instanceof WireFormatError, String(error));
              return;
            }
            assert.ok(reader.pos <= reader.len);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

void describe('generated codecs on the library wire module', () => {
  void it('round-trip every client message', () => {
    fc.assert(
      fc.property(
        messageArb,
        fc.array(messageArb, { maxLength: 5 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.nat({ max: 2 ** 32 - 1 }),
        (message, messages, text, int32, uint32) => {
          const content = message.content;
          assert.deepEqual(Message.decode(Message.encode(message).finish()), message);
          const sync = { messages, hasMore: messages.length % 2 === 1 };
          assert.deepEqual(SyncReply.decode(SyncReply.encode(sync).finish()), sync);
          const signIn = { userId: message.seq, deviceId: message.messageId, token: text };
          assert.deepEqual(SignInRequest.decode(SignInRequest.encode(signIn).finish()), signIn);
          const reply = { code: int32, message: text, data: content };
          assert.deepEqual(Reply.decode(Reply.encode(reply).finish()), reply);
          const send = { clientMsgId: text, toUserId: message.roomId, toGroupId: 0, toRoomId: 0, content };
          assert.deepEqual(SendMessageRequest.decode(SendMessageRequest.encode(send).finish()), send);
          const sent = { messageId: message.messageId, seq: message.seq, createdAt: message.createdAt };
          assert.deepEqual(SendMessageReply.decode(SendMessageReply.encode(sent).finish()), sent);
          const syncRequest = { seq: message.seq, limit: uint32 };
          assert.deepEqual(SyncRequest.decode(SyncRequest.encode(syncRequest).finish()), syncRequest);
          const notice = { code: int32, reason: text, reconnectAfterMs: uint32 };
          assert.deepEqual(CloseNotice.decode(CloseNotice.encode(notice).finish()), notice);
        },
      ),
      { numRuns: 300 },
    );
  });

  void it('encode a known message to its protobuf bytes', () => {
    const message: Message = {
      command: MessageCommand.MC_USER_CHAT,
      content: Buffer.from('hi'),
      seq: 300,
      createdAt: -1,
      roomId: 0,
      messageId: 2 ** 53 - 1,
    };
    const expected = '1064 1a026869 20ac02 28ffffffffffffffffff01 38ffffffffffffff0f'.replace(/ /g, '');
    assert.equal(Message.encode(message).finish().toString('hex'), expected);
    assert.equal(
      SyncReply.encode({ messages: [message], hasMore: true })
        .finish()
        .toString('hex'),
      `0a${(expected.length / 2).toString(16)}${expected}1001`,
    );
  });

  void it('decode random bytes or throw WireFormatError (or the too-large-number error)', () => {
    const decoders = [
      Message,
      SyncReply,
      SignInRequest,
      Reply,
      SendMessageRequest,
      SendMessageReply,
      CloseNotice,
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const type of decoders) {
          try {
            type.decode(bytes);
          } catch (error) {
            assert.ok(
              error instanceof WireFormatError || /Number\.M(AX|IN)_SAFE_INTEGER/.test(String(error)),
              String(error),
            );
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
