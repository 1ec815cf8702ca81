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

  void describe('lingering while pushes keep coming', () => {
    function setup() {
      let time = 100;
      const soon: Array<() => void> = [];
      const later: Array<{ flush: () => void; ms: number; cancelled: boolean }> = [];
      const outbound = new Outbound({
        maxQueueBytes: 1 << 20,
        onOverflow: () => assert.fail('no overflow expected'),
        lingerMs: 1,
        now: () => time,
        schedule: (flush) => soon.push(flush),
        defer: (flush, ms) => {
          const entry = { flush, ms, cancelled: false };
          later.push(entry);
          return () => {
            entry.cancelled = true;
          };
        },
      });
      const runSoon = (): void => {
        for (let next = soon.shift(); next !== undefined; next = soon.shift()) next();
      };
      const runLater = (): void => {
        for (let next = later.shift(); next !== undefined; next = later.shift())
          if (!next.cancelled) next.flush();
      };
      const advance = (ms: number): void => {
        time += ms;
      };
      return { outbound, soon, later, runSoon, runLater, advance };
    }

    function push(outbound: Outbound, targets: Connection[], frame: Buffer): void {
      for (const target of targets) outbound.enqueuePush(target, frame);
      outbound.pushed();
    }

    void it('writes an isolated push after the tick, without waiting', () => {
      const { outbound, soon, later, runSoon } = setup();
      const transport = new RecordingTransport();
      push(outbound, [connection(1, transport)], Buffer.from('p1'));
      assert.equal(soon.length, 1);
      assert.equal(later.length, 0);
      runSoon();
      assert.deepEqual(transport.writes, [[Buffer.from('p1')]]);
    });

    void it('holds pushes arriving right after a flush of pushes and writes them together, in order', () => {
      const { outbound, soon, later, runSoon, runLater, advance } = setup();
      const a = new RecordingTransport();
      const b = new RecordingTransport();
      const targets = [connection(1, a), connection(2, b)];
      push(outbound, targets, Buffer.from('p1'));
      runSoon();
      advance(0.3);
      push(outbound, targets, Buffer.from('p2'));
      advance(0.3);
      push(outbound, targets, Buffer.from('p3'));
      assert.equal(soon.length, 0, 'no flush after the tick while pushes keep coming');
      assert.deepEqual(
        later.map((entry) => entry.ms),
        [1],
        'one deferred flush for the whole window',
      );
      runLater();
      for (const transport of [a, b]) {
        assert.deepEqual(transport.writes, [[Buffer.from('p1')], [Buffer.from('p2'), Buffer.from('p3')]]);
      }
      advance(5);
      push(outbound, targets, Buffer.from('p4'));
      assert.equal(soon.length, 1, 'a push after a pause goes out after the tick again');
    });

    void it('does not make a reply wait: it brings the lingering flush forward, pushes before it first', () => {
      const { outbound, soon, later, runSoon, advance } = setup();
      const transport = new RecordingTransport();
      const conn = connection(1, transport);
      push(outbound, [conn], Buffer.from('p1'));
      runSoon();
      advance(0.5);
      push(outbound, [conn], Buffer.from('p2'));
      assert.equal(later.length, 1);
      outbound.enqueue(conn, Buffer.from('reply'));
      assert.equal(later[0]!.cancelled, true);
      assert.equal(soon.length, 1);
      runSoon();
      assert.deepEqual(transport.writes, [[Buffer.from('p1')], [Buffer.from('p2'), Buffer.from('reply')]]);
    });

    void it('keeps the bound while lingering: a reader too far behind overflows', () => {
      const overflowed: Connection[] = [];
      const outbound = new Outbound({
        maxQueueBytes: 10,
        onOverflow: (conn) => overflowed.push(conn),
        now: () => 0,
        schedule: () => undefined,
        defer: () => () => undefined,
      });
      const conn = connection(1);
      assert.equal(outbound.enqueuePush(conn, Buffer.alloc(6)), true);
      assert.equal(outbound.enqueuePush(conn, Buffer.alloc(6)), false);
      assert.deepEqual(overflowed, [conn]);
    });

    void it('never lingers with lingerMs 0', () => {
      const soon: Array<() => void> = [];
      const outbound = new Outbound({
        maxQueueBytes: 1 << 20,
        onOverflow: () => undefined,
        lingerMs: 0,
        now: () => 0,
        schedule: (flush) => soon.push(flush),
        defer: () => assert.fail('no deferred flush expected'),
      });
      const conn = connection(1);
      for (let i = 0; i < 3; i++) {
        outbound.enqueuePush(conn, Buffer.from('p'));
        outbound.pushed();
        soon.shift()?.();
      }
    });
  });
});
