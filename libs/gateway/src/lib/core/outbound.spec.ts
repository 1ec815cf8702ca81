import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@gim/errors';
import { RecordingTransport, testCore } from '../../../test/fakes';
import { Connection } from './connection';
import { Outbound } from './outbound';

function connection(id: number, transport = new RecordingTransport()): Connection {
  return new Connection(id, transport, `127.0.0.1:${id}`, 0);
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void describe('Outbound', () => {
  void it('writes every frame queued for a connection during one tick in a single write call', async () => {
    const outbound = new Outbound({
      maxQueueBytes: 1 << 20,
      onOverflow: () => assert.fail('no overflow expected'),
    });
    const a = new RecordingTransport();
    const b = new RecordingTransport();
    const connA = connection(1, a);
    const connB = connection(2, b);
    const frames = Array.from({ length: 200 }, (_, i) => Buffer.from(`frame-${i}`));
    for (const frame of frames) {
      outbound.enqueue(connA, frame);
      outbound.enqueue(connB, frame);
    }
    assert.equal(a.writes.length, 0, 'nothing is written before the tick ends');
    await nextTick();
    assert.equal(a.writes.length, 1);
    assert.equal(b.writes.length, 1);
    assert.deepEqual(a.writes[0], frames);
    assert.deepEqual(b.writes[0], frames);
    assert.equal(connA.queuedBytes, 0);

    outbound.enqueue(connA, Buffer.from('later'));
    await nextTick();
    assert.equal(a.writes.length, 2);
    assert.deepEqual(a.writes[1], [Buffer.from('later')]);
  });

  void it('calls onOverflow instead of queueing when queued bytes plus the socket buffer pass the bound', () => {
    const overflowed: Connection[] = [];
    const outbound = new Outbound({
      maxQueueBytes: 1_000,
      onOverflow: (conn) => overflowed.push(conn),
      schedule: () => undefined,
    });
    const transport = new RecordingTransport();
    const conn = connection(1, transport);
    transport.writableLength = 600;
    assert.equal(outbound.enqueue(conn, Buffer.alloc(300)), true);
    assert.deepEqual(overflowed, []);
    assert.equal(outbound.enqueue(conn, Buffer.alloc(101)), false);
    assert.deepEqual(overflowed, [conn]);
    assert.equal(conn.queuedBytes, 300);
  });

  void it('writes a last frame right away, after what was queued, in the same write call', () => {
    const outbound = new Outbound({
      maxQueueBytes: 10,
      onOverflow: () => undefined,
      schedule: () => undefined,
    });
    const transport = new RecordingTransport();
    const conn = connection(1, transport);
    outbound.enqueue(conn, Buffer.from('queued'));
    outbound.writeLast(conn, Buffer.from('close notice past the bound'));
    assert.deepEqual(transport.writes, [[Buffer.from('queued'), Buffer.from('close notice past the bound')]]);
  });

  void it('closes a slow consumer with PC_CLOSE 10406, destroys it and drops later frames', () => {
    const { core, flush } = testCore({ maxQueueBytes: 4_096 });
    const transport = new RecordingTransport();
    const conn = core.open(transport, 'slow');
    core.outbound.enqueue(conn, Buffer.alloc(3_000));
    transport.writableLength = 2_000;
    assert.equal(core.outbound.enqueue(conn, Buffer.alloc(100)), false);
    assert.equal(transport.destroyed, true);
    assert.equal(transport.closeNotice()?.code, ErrorCode.SlowConsumer);
    assert.equal(conn.state, 'closing');
    assert.equal(core.outbound.enqueue(conn, Buffer.alloc(1)), false);
    flush();
    assert.equal(transport.writes.length, 1, 'only the close notice was written; the queue was dropped');
  });
});
