import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Observable, Subject } from 'rxjs';
import { logicMessageInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { SendStream } from './send-stream';

const send = (toUserId: number): logicMessageInt.SendUserMessageRequest => ({
  userId: 1,
  deviceId: 11,
  toUserId,
  toGroupId: 0,
  clientMsgId: `c-${toUserId}`,
  content: Buffer.from('x'),
});

const stored = (messageId: number): logicMessageInt.SendUserMessageResult => ({
  code: 0,
  message: '',
  reply: { messageId, seq: 1, createdAt: 5 },
});

/** Logic's end of each stream the SendStream opens: the batches it received and a way to answer or break it. */
function logic() {
  const streams: {
    batches: logicMessageInt.SendUserMessageBatch[];
    replies: Subject<logicMessageInt.SendUserMessageBatchReply>;
  }[] = [];
  const open = (batches: Observable<logicMessageInt.SendUserMessageBatch>) => {
    const stream = {
      batches: [] as logicMessageInt.SendUserMessageBatch[],
      replies: new Subject<logicMessageInt.SendUserMessageBatchReply>(),
    };
    streams.push(stream);
    batches.subscribe((batch) => stream.batches.push(batch));
    return stream.replies.asObservable();
  };
  return { streams, open };
}

void describe('SendStream', () => {
  void it('sends each batch on one stream and settles it by its id, in any order', async () => {
    const { streams, open } = logic();
    const sends = new SendStream(open, 5_000);
    const first = sends.send({ sends: [send(7)] });
    const second = sends.send({ sends: [send(8), send(9)] });
    assert.equal(streams.length, 1, 'one stream for every batch');
    const [a, b] = streams[0]!.batches;
    assert.deepEqual(
      [a?.sends.length, b?.sends.length, a?.timeoutMs],
      [1, 2, 5_000],
      "each batch carries its sends and the gateway's deadline",
    );
    assert.notEqual(a?.batchId, b?.batchId);
    streams[0]!.replies.next({ batchId: b!.batchId, results: [stored(8), stored(9)], code: 0, message: '' });
    streams[0]!.replies.next({ batchId: a!.batchId, results: [stored(7)], code: 0, message: '' });
    assert.deepEqual(await first, { results: [stored(7)] });
    assert.deepEqual(await second, { results: [stored(8), stored(9)] });
  });

  void it('fails a batch refused as a whole with its code', async () => {
    const { streams, open } = logic();
    const sends = new SendStream(open, 5_000);
    const refused = sends.send({ sends: [send(7)] });
    const batchId = streams[0]!.batches[0]!.batchId;
    streams[0]!.replies.next({
      batchId,
      results: [],
      code: ErrorCode.BadRequest,
      message: 'sends: too many',
    });
    await assert.rejects(
      refused,
      (error) => error instanceof GimError && error.code === ErrorCode.BadRequest,
    );
  });

  void it('fails every unanswered batch with 10500 when the stream breaks, and opens a new one for the next', async () => {
    const { streams, open } = logic();
    const sends = new SendStream(open, 5_000);
    const lost = [sends.send({ sends: [send(7)] }), sends.send({ sends: [send(8)] })];
    streams[0]!.replies.error(
      Object.assign(new Error('14 UNAVAILABLE: read ECONNRESET'), { code: 14, details: 'read ECONNRESET' }),
    );
    for (const batch of lost)
      await assert.rejects(
        batch,
        (error) => error instanceof GimError && error.code === ErrorCode.Unavailable,
      );
    const next = sends.send({ sends: [send(9)] });
    assert.equal(streams.length, 2, 'the next batch opened a new stream');
    streams[1]!.replies.next({
      batchId: streams[1]!.batches[0]!.batchId,
      results: [stored(9)],
      code: 0,
      message: '',
    });
    assert.deepEqual(await next, { results: [stored(9)] });
  });

  void it('fails a batch logic has not answered by its deadline with 10500 and ignores a late answer', async () => {
    const { streams, open } = logic();
    let now = 1_000_000;
    const sends = new SendStream(open, 5_000, () => now);
    const late = sends.send({ sends: [send(7)] });
    const failed = assert.rejects(
      late,
      (error) => error instanceof GimError && error.code === ErrorCode.Unavailable,
    );
    now += 5_000 + 1_001;
    await sleep(300); // one sweep
    await failed;
    const batchId = streams[0]!.batches[0]!.batchId;
    streams[0]!.replies.next({ batchId, results: [stored(7)], code: 0, message: '' });
    const again = sends.send({ sends: [send(8)] });
    assert.equal(streams.length, 1, 'a late answer does not break the stream');
    streams[0]!.replies.next({
      batchId: streams[0]!.batches[1]!.batchId,
      results: [stored(8)],
      code: 0,
      message: '',
    });
    assert.deepEqual(await again, { results: [stored(8)] });
  });
});
