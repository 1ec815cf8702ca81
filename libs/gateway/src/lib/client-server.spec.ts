import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { writeFrames } from './client-server';

function recordingSocket(): { socket: Socket; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const socket = { write: (chunk: Buffer) => writes.push(chunk) } as unknown as Socket;
  return { socket, writes };
}

void describe('writeFrames', () => {
  void it('writes a single frame as it is', () => {
    const { socket, writes } = recordingSocket();
    const frame = Buffer.from('one');
    writeFrames(socket, [frame]);
    assert.equal(writes.length, 1);
    assert.equal(writes[0], frame);
  });

  void it('writes several frames as one buffer, in order', () => {
    const { socket, writes } = recordingSocket();
    writeFrames(socket, [Buffer.from('a'), Buffer.from('bc'), Buffer.from('def')]);
    assert.deepEqual(writes, [Buffer.from('abcdef')]);
  });

  void it('writes nothing for no frames', () => {
    const { socket, writes } = recordingSocket();
    writeFrames(socket, []);
    assert.deepEqual(writes, []);
  });
});
