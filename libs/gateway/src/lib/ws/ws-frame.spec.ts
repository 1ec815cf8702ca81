import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import * as wsModule from 'ws';
import { closePayload, encodeWsFrame, WsOpcode } from './ws-frame';

// ws's frame parser (exported by the package, not by its type definitions).
const { Receiver } = wsModule as unknown as {
  Receiver: new (options: object) => Writable & EventEmitter;
};

/** The messages a client-side `ws` Receiver reads from `bytes`. */
function readAsClient(bytes: Buffer): Promise<Array<{ data: Buffer; isBinary: boolean }>> {
  const receiver = new Receiver({ isServer: false, binaryType: 'nodebuffer', maxPayload: 0 });
  const messages: Array<{ data: Buffer; isBinary: boolean }> = [];
  receiver.on('message', (data: Buffer, isBinary: boolean) => messages.push({ data, isBinary }));
  return new Promise((resolve, reject) => {
    receiver.on('error', reject);
    receiver.write(bytes, () => resolve(messages));
  });
}

void describe('encodeWsFrame', () => {
  for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]) {
    void it(`builds an unmasked final binary frame a WebSocket client reads (${length} bytes)`, async () => {
      const payload = Buffer.alloc(length, length % 251);
      const frame = encodeWsFrame(payload);
      assert.equal(frame[0], 0x82);
      assert.equal((frame[1]! & 0x80) === 0, true, 'a server frame is not masked');
      const messages = await readAsClient(frame);
      assert.equal(messages.length, 1);
      assert.equal(messages[0]!.isBinary, true);
      assert.deepEqual(messages[0]!.data, payload);
    });
  }

  void it('gives frames that can be written back to back, the same bytes for every reader', async () => {
    const one = encodeWsFrame(Buffer.from('one'));
    const two = encodeWsFrame(Buffer.alloc(300, 7));
    const messages = await readAsClient(Buffer.concat([one, two, one]));
    assert.deepEqual(
      messages.map((message) => message.data),
      [Buffer.from('one'), Buffer.alloc(300, 7), Buffer.from('one')],
    );
  });

  void it('frames control opcodes too', () => {
    const pong = encodeWsFrame(Buffer.from('hi'), WsOpcode.Pong);
    assert.deepEqual(pong, Buffer.from([0x8a, 2, 0x68, 0x69]));
  });
});

void describe('closePayload', () => {
  void it('is the code in network order followed by the reason', () => {
    assert.deepEqual(closePayload(1008, 'bye'), Buffer.from([0x03, 0xf0, 0x62, 0x79, 0x65]));
  });

  void it('cuts the reason to 123 bytes without splitting a character', () => {
    const payload = closePayload(1002, `${'x'.repeat(122)}é and more`);
    assert.equal(payload.length, 2 + 122);
    assert.equal(payload.subarray(2).toString(), 'x'.repeat(122));
    assert.equal(closePayload(1002, 'y'.repeat(300)).length, 125);
  });
});
