import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WsOpcode } from './ws-frame';
import { WsFrameHandler, WsFrameReader, WsProtocolError } from './ws-frame-reader';

type Event =
  | { kind: 'message'; data: string; isBinary: boolean }
  | { kind: 'ping'; data: string }
  | { kind: 'close'; code: number; reason: string };

class Recorder implements WsFrameHandler {
  readonly events: Event[] = [];
  wsMessage(data: Buffer, isBinary: boolean): void {
    this.events.push({ kind: 'message', data: data.toString(), isBinary });
  }
  wsPing(data: Buffer): void {
    this.events.push({ kind: 'ping', data: data.toString() });
  }
  wsClose(code: number, reason: string): void {
    this.events.push({ kind: 'close', code, reason });
  }
}

/** A client frame as a browser sends it: masked with `mask`, FIN unless told otherwise. */
function clientFrame(
  opcode: number,
  payload: Buffer | string,
  options: { fin?: boolean; masked?: boolean; rsv?: number; mask?: number[] } = {},
): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const masked = options.masked ?? true;
  const mask = Buffer.from(options.mask ?? [0x37, 0xfa, 0x21, 0x3d]);
  const length = data.length;
  const extended = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + extended + (masked ? 4 : 0));
  header[0] = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  header[1] = (masked ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) header.writeUInt16BE(length, 2);
  if (extended === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!masked) return Buffer.concat([header, data]);
  mask.copy(header, 2 + extended);
  const body = Buffer.from(data.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([header, body]);
}

function closeFrame(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return clientFrame(WsOpcode.Close, payload);
}

function read(bytes: Buffer, max = 1_000, split?: number): Event[] {
  const recorder = new Recorder();
  const reader = new WsFrameReader(max, recorder);
  if (split === undefined) reader.push(bytes);
  else for (let at = 0; at < bytes.length; at += split) reader.push(bytes.subarray(at, at + split));
  return recorder.events;
}

function rejects(bytes: Buffer, closeCode: number, pattern: RegExp, max = 1_000): void {
  assert.throws(
    () => read(bytes, max),
    (error: unknown) =>
      error instanceof WsProtocolError && error.closeCode === closeCode && pattern.test(error.message),
  );
}

void describe('WsFrameReader', () => {
  void it('reads masked binary and text messages of every length encoding', () => {
    const big = 'x'.repeat(70_000);
    const events = read(
      Buffer.concat([
        clientFrame(WsOpcode.Binary, 'short'),
        clientFrame(WsOpcode.Binary, 'm'.repeat(300)),
        clientFrame(WsOpcode.Binary, big),
        clientFrame(WsOpcode.Text, 'text'),
        clientFrame(WsOpcode.Binary, ''),
      ]),
      100_000,
    );
    assert.deepEqual(events, [
      { kind: 'message', data: 'short', isBinary: true },
      { kind: 'message', data: 'm'.repeat(300), isBinary: true },
      { kind: 'message', data: big, isBinary: true },
      { kind: 'message', data: 'text', isBinary: false },
      { kind: 'message', data: '', isBinary: true },
    ]);
  });

  void it('gives the same messages whatever the read boundaries, down to one byte per read', () => {
    const stream = Buffer.concat([
      clientFrame(WsOpcode.Binary, 'first'),
      clientFrame(WsOpcode.Ping, 'p'),
      clientFrame(WsOpcode.Binary, 'y'.repeat(200), { mask: [1, 2, 3, 4] }),
      clientFrame(WsOpcode.Binary, 'frag-', { fin: false }),
      clientFrame(WsOpcode.Continuation, 'ment'),
    ]);
    const whole = read(stream);
    for (const split of [1, 2, 3, 5, 7, 13])
      assert.deepEqual(read(stream, 1_000, split), whole, `split ${split}`);
    assert.equal(whole.length, 4);
  });

  void it('joins fragments, with control frames between them', () => {
    const events = read(
      Buffer.concat([
        clientFrame(WsOpcode.Binary, 'a', { fin: false }),
        clientFrame(WsOpcode.Ping, 'between'),
        clientFrame(WsOpcode.Continuation, 'b', { fin: false }),
        clientFrame(WsOpcode.Pong, 'ignored'),
        clientFrame(WsOpcode.Continuation, 'c'),
        clientFrame(WsOpcode.Text, 't', { fin: false }),
        clientFrame(WsOpcode.Continuation, 'u'),
      ]),
    );
    assert.deepEqual(events, [
      { kind: 'ping', data: 'between' },
      { kind: 'message', data: 'abc', isBinary: true },
      { kind: 'message', data: 'tu', isBinary: false },
    ]);
  });

  void it('copies payloads: later changes to the read chunk do not reach a message', () => {
    const recorder = new Recorder();
    const received: Buffer[] = [];
    const reader = new WsFrameReader(100, {
      ...recorder,
      wsMessage: (data) => received.push(data),
      wsPing: () => undefined,
      wsClose: () => undefined,
    });
    const chunk = clientFrame(WsOpcode.Binary, 'keep');
    reader.push(chunk);
    chunk.fill(0);
    assert.equal(received[0]!.toString(), 'keep');
  });

  void it('reports a close frame with its code and reason, 1005 without a code, and ignores what follows', () => {
    assert.deepEqual(read(Buffer.concat([closeFrame(1000, 'bye'), clientFrame(WsOpcode.Binary, 'late')])), [
      { kind: 'close', code: 1000, reason: 'bye' },
    ]);
    assert.deepEqual(read(clientFrame(WsOpcode.Close, '')), [{ kind: 'close', code: 1005, reason: '' }]);
    assert.deepEqual(read(closeFrame(4001)), [{ kind: 'close', code: 4001, reason: '' }]);
  });

  void it('refuses messages over the limit from their header (1009), fragments counted together', () => {
    rejects(clientFrame(WsOpcode.Binary, 'x'.repeat(101)), 1009, /over 100 bytes/, 100);
    assert.equal(read(clientFrame(WsOpcode.Binary, 'x'.repeat(100)), 100).length, 1);
    rejects(
      Buffer.concat([
        clientFrame(WsOpcode.Binary, 'x'.repeat(60), { fin: false }),
        clientFrame(WsOpcode.Continuation, 'x'.repeat(41)),
      ]),
      1009,
      /over 100 bytes/,
      100,
    );
    const header = Buffer.from([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4]);
    rejects(header, 1009, /over 100 bytes/, 100);
    rejects(Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]), 1009, /out of range/, 100);
  });

  void it('refuses what RFC 6455 forbids a client with 1002', () => {
    rejects(clientFrame(WsOpcode.Binary, 'x', { masked: false }), 1002, /masked/);
    rejects(clientFrame(WsOpcode.Binary, 'x', { rsv: 4 }), 1002, /reserved bits/);
    rejects(clientFrame(3, 'x'), 1002, /unknown opcode 3/);
    rejects(clientFrame(0xb, 'x'), 1002, /unknown opcode 11/);
    rejects(clientFrame(WsOpcode.Ping, 'x', { fin: false }), 1002, /fragmented/);
    rejects(clientFrame(WsOpcode.Ping, 'x'.repeat(126)), 1002, /125 bytes/);
    rejects(clientFrame(WsOpcode.Continuation, 'x'), 1002, /without a message/);
    rejects(
      Buffer.concat([clientFrame(WsOpcode.Binary, 'a', { fin: false }), clientFrame(WsOpcode.Binary, 'b')]),
      1002,
      /previous one/,
    );
    rejects(clientFrame(WsOpcode.Close, Buffer.from([3])), 1002, /one-byte/);
    rejects(closeFrame(1005), 1002, /invalid close code 1005/);
    rejects(closeFrame(999), 1002, /invalid close code/);
    rejects(closeFrame(5000), 1002, /invalid close code/);
    rejects(clientFrame(WsOpcode.Close, Buffer.from([0x03, 0xe8, 0xff, 0xfe])), 1007, /UTF-8/);
  });

  void it('stays failed: every later push rethrows the first error', () => {
    const reader = new WsFrameReader(100, new Recorder());
    assert.throws(() => reader.push(clientFrame(WsOpcode.Binary, 'x', { masked: false })), WsProtocolError);
    assert.throws(() => reader.push(clientFrame(WsOpcode.Binary, 'x')), /masked/);
  });
});
