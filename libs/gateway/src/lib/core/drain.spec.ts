import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@gim/errors';
import { PacketCommand, SendMessageRequest, SignInRequest } from '@gim/protocol';
import { ClosingTransport, RecordingTransport, settle, testCore } from '../../../test/fakes';
import { Connection } from './connection';
import { Drain, DrainHost, returnTime } from './drain';
import { CoarseClock } from './sweeper';

/** A host recording what the drain did, and when. */
class RecordingHost implements DrainHost {
  now = 0;
  readonly stopped: Array<{ id: number; at: number }> = [];
  readonly closed: Array<{ id: number; at: number; reconnectAfterMs: number }> = [];

  stopReading(connection: Connection): void {
    this.stopped.push({ id: connection.id, at: this.now });
  }

  closeDrained(connection: Connection, reconnectAfterMs: number): void {
    connection.state = 'closing';
    this.closed.push({ id: connection.id, at: this.now, reconnectAfterMs });
  }
}

function connections(count: number): Connection[] {
  return Array.from(
    { length: count },
    (_, index) => new Connection(index + 1, new RecordingTransport(), `10.0.0.${index}:1`, 0),
  );
}

/** Steps `drain` every `tickMs` from `startAt` until it is done; returns the time it finished. */
function run(drain: Drain, host: RecordingHost, startAt: number, tickMs: number, limit = 100_000): number {
  for (host.now = startAt; host.now <= startAt + limit; host.now += tickMs) {
    if (drain.step(host.now)) return host.now;
  }
  throw new Error('the drain did not finish');
}

void describe('returnTime', () => {
  void it('spreads the clients evenly over the window, the first at once', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((index) => returnTime(index, 4, 10_000)),
      [0, 2_500, 5_000, 7_500],
    );
    assert.deepEqual(
      [0, 1, 2].map((index) => returnTime(index, 3, 1_000)),
      [0, 333, 666],
    );
    assert.deepEqual(
      [0, 1, 2].map((index) => returnTime(index, 3, 0)),
      [0, 0, 0],
      'no window: everyone at once',
    );
    const many = Array.from({ length: 20_000 }, (_, index) => returnTime(index, 20_000, 10_000));
    const perSecond = Array.from({ length: 10 }, (_, second) =>
      many.filter((at) => Math.floor(at / 1_000) === second),
    );
    assert.deepEqual(
      perSecond.map((slice) => slice.length),
      Array.from({ length: 10 }, () => 2_000),
      '20 000 clients come back 2 000 per second',
    );
  });
});

void describe('Drain', () => {
  void it('closes each connection in the wave before its return time, telling it the rest of the wait', () => {
    const host = new RecordingHost();
    const all = connections(6);
    const drain = new Drain(all, 1_000, { windowMs: 3_000, tickMs: 100, answerWaitMs: 1_000 }, host);
    const finishedAt = run(drain, host, 1_000, 100);
    assert.deepEqual(
      host.closed.map(({ id }) => id),
      [1, 2, 3, 4, 5, 6],
      'in the order they were accepted',
    );
    for (const [index, { at, reconnectAfterMs }] of host.closed.entries()) {
      const returnAt = 1_000 + returnTime(index, 6, 3_000);
      assert.equal(at + reconnectAfterMs, returnAt, `connection ${index + 1} comes back at its time`);
      assert.ok(reconnectAfterMs >= 0 && reconnectAfterMs < 100, 'closed in the tick before its time');
    }
    assert.equal(host.closed[0]!.at, 1_000, 'the first goes at once');
    assert.equal(finishedAt, 3_500, 'done with the last wave, before the window ends');
    assert.equal(drain.remaining, 0);
  });

  void it('tells a delay that is not a multiple of the tick', () => {
    const host = new RecordingHost();
    const drain = new Drain(connections(3), 0, { windowMs: 1_000, tickMs: 100, answerWaitMs: 0 }, host);
    run(drain, host, 0, 100);
    assert.deepEqual(
      host.closed.map(({ at, reconnectAfterMs }) => [at, reconnectAfterMs]),
      [
        [0, 0],
        [300, 33],
        [600, 66],
      ],
    );
  });

  void it('closes everyone at once when the window is 0', () => {
    const host = new RecordingHost();
    const drain = new Drain(connections(4), 50, { windowMs: 0, tickMs: 100, answerWaitMs: 1_000 }, host);
    host.now = 50;
    assert.equal(drain.step(50), true);
    assert.deepEqual(
      host.closed.map(({ reconnectAfterMs }) => reconnectAfterMs),
      [0, 0, 0, 0],
    );
  });

  void it('stops reading a connection with requests in flight and closes it once they are answered', () => {
    const host = new RecordingHost();
    const [busy, idle] = connections(2) as [Connection, Connection];
    busy.inFlight = 2;
    const drain = new Drain([busy, idle], 0, { windowMs: 0, tickMs: 100, answerWaitMs: 1_000 }, host);
    assert.equal(drain.step(0), false);
    assert.deepEqual(
      host.stopped.map(({ id }) => id),
      [1, 2],
    );
    assert.deepEqual(
      host.closed.map(({ id }) => id),
      [2],
      'the idle one goes at once',
    );
    busy.inFlight = 0;
    host.now = 100;
    assert.equal(drain.step(100), true);
    assert.deepEqual(host.closed.at(-1), { id: 1, at: 100, reconnectAfterMs: 0 });
  });

  void it('closes a connection whose answers take longer than the answer wait anyway', () => {
    const host = new RecordingHost();
    const [stuck] = connections(1) as [Connection];
    stuck.inFlight = 1;
    const drain = new Drain([stuck], 0, { windowMs: 0, tickMs: 100, answerWaitMs: 250 }, host);
    const finishedAt = run(drain, host, 0, 100);
    assert.equal(finishedAt, 300, 'the first tick at or past the answer wait');
    assert.equal(host.closed.length, 1);
  });

  void it('skips connections that went away by themselves', () => {
    const host = new RecordingHost();
    const all = connections(3);
    all[1]!.state = 'closed';
    const drain = new Drain(all, 0, { windowMs: 300, tickMs: 100, answerWaitMs: 0 }, host);
    run(drain, host, 0, 100);
    assert.deepEqual(
      host.closed.map(({ id }) => id),
      [1, 3],
    );
  });
});

const signIn = (userId: number, deviceId: number) => ({
  requestId: 's',
  command: PacketCommand.PC_SIGN_IN,
  content: Buffer.from(SignInRequest.encode({ userId, deviceId, token: `token-${userId}` }).finish()),
  seq: 0,
});

void describe('GatewayCore.drain', () => {
  void it('answers what a connection already sent, then PC_CLOSE 10407 with its delay; Offline for each', async () => {
    const { core, logic, flush } = testCore({
      clock: new CoarseClock(),
      schedule: (run) => setImmediate(run),
    });
    const opened: Array<{ connection: Connection; transport: ClosingTransport }> = [];
    for (let index = 1; index <= 3; index++) {
      const transport = new ClosingTransport();
      const connection = core.open(transport, `10.0.0.${index}:1`);
      transport.onEnd = () => core.closed(connection);
      core.receive(connection, signIn(index, 100 + index));
      opened.push({ connection, transport });
    }
    await settle();
    flush();
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const send = logic.sendUserMessage.bind(logic);
    logic.sendUserMessage = async (request) => {
      await answered;
      return send(request);
    };
    const [first] = opened as [(typeof opened)[number]];
    core.receive(first.connection, {
      requestId: 'in-flight',
      command: PacketCommand.PC_SEND_MESSAGE,
      content: Buffer.from(
        SendMessageRequest.encode({
          clientMsgId: 'c1',
          toUserId: 2,
          toGroupId: 0,
          toRoomId: 0,
          content: Buffer.from('hi'),
        }).finish(),
      ),
      seq: 0,
    });
    const began = Date.now();
    const drained = core.drain({ windowMs: 300, tickMs: 20, answerWaitMs: 5_000, graceMs: 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(first.transport.paused, true, 'the first connection is not read any more');
    assert.equal(first.transport.closeNotice(), undefined, 'it waits for the answer to its send');
    answer();
    assert.equal(await drained, 3);
    const took = Date.now() - began;
    assert.ok(took >= 175 && took < 1_000, `the last of 3 leaves in the tick before 200 ms, not ${took} ms`);
    const firstPackets = first.transport.packets().map((packet) => packet.command);
    assert.deepEqual(firstPackets.slice(-2), [PacketCommand.PC_SEND_MESSAGE, PacketCommand.PC_CLOSE]);
    assert.equal(first.transport.replies().at(-1)?.code, 0, 'the send was answered before the close');
    assert.equal(first.transport.paused, false, 'reading resumed once closing, so the socket goes');
    for (const { transport } of opened) {
      const notice = transport.closeNotice();
      assert.equal(notice?.code, ErrorCode.ServerShutdown);
      assert.ok(notice.reconnectAfterMs >= 0 && notice.reconnectAfterMs < 300);
    }
    assert.deepEqual(logic.offlines.map((offline) => offline.deviceId).sort(), [101, 102, 103]);
    assert.equal(core.registry.size, 0);
  });
});
