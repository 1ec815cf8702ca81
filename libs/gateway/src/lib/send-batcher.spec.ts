import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logicMessageInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { MAX_SENDS_PER_CALL, SendBatcher } from './send-batcher';

const send = (toUserId: number): logicMessageInt.SendUserMessageRequest => ({
  userId: 1,
  deviceId: 11,
  toUserId,
  toGroupId: 0,
  clientMsgId: `c-${toUserId}`,
  content: Buffer.from('x'),
});

/** A logic stand-in answering each send by its receiver: 404 → user not found, 500 → internal error, else stored. */
function logic() {
  const calls: logicMessageInt.SendUserMessagesRequest[] = [];
  const call = async (
    request: logicMessageInt.SendUserMessagesRequest,
  ): Promise<logicMessageInt.SendUserMessagesReply> => {
    calls.push(request);
    return {
      results: request.sends.map((each) =>
        each.toUserId === 404
          ? { code: ErrorCode.UserNotFound, message: 'user not found: 404', reply: undefined }
          : each.toUserId === 500
            ? { code: 13, message: 'internal error', reply: undefined }
            : { code: 0, message: '', reply: { messageId: each.toUserId, seq: 1, createdAt: 5 } },
      ),
    };
  };
  return { calls, call };
}

void describe('SendBatcher', () => {
  void it('sends what is asked in one I/O phase in one call and settles each send on its own', async () => {
    const { calls, call } = logic();
    const batcher = new SendBatcher(call, 100);
    const [ok, missing, broken] = await Promise.allSettled([
      batcher.send(send(7)),
      batcher.send(send(404)),
      batcher.send(send(500)),
    ]);
    assert.equal(calls.length, 1);
    assert.deepEqual(
      calls[0]?.sends.map((each) => each.toUserId),
      [7, 404, 500],
    );
    assert.deepEqual(ok, { status: 'fulfilled', value: { messageId: 7, seq: 1, createdAt: 5 } });
    assert.ok(missing?.status === 'rejected' && missing.reason instanceof GimError);
    assert.equal(missing.reason.code, ErrorCode.UserNotFound);
    assert.ok(
      broken?.status === 'rejected' && !(broken.reason instanceof GimError),
      'code 13 is not a gim outcome',
    );
    await batcher.send(send(8));
    assert.equal(calls.length, 2, 'a later phase makes its own call');
  });

  void it(`splits more than ${MAX_SENDS_PER_CALL} sends into several calls`, async () => {
    const { calls, call } = logic();
    const batcher = new SendBatcher(call, 10_000);
    await Promise.all(
      Array.from({ length: MAX_SENDS_PER_CALL + 1 }, (_, i) => batcher.send(send(i + 2_000))),
    );
    assert.deepEqual(
      calls.map((each) => each.sends.length),
      [MAX_SENDS_PER_CALL, 1],
    );
  });

  void it('fails every send of a call that fails as a whole with its error', async () => {
    const outage = new GimError(ErrorCode.Unavailable, 'dependency unavailable');
    const batcher = new SendBatcher(() => Promise.reject(outage), 100);
    const results = await Promise.allSettled([batcher.send(send(1)), batcher.send(send(2))]);
    assert.deepEqual(
      results.map((result) => result.status === 'rejected' && result.reason === outage),
      [true, true],
    );
  });

  void it('answers busy at once beyond maxPending sends waiting for logic, and frees the slots when they settle', async () => {
    const { call } = logic();
    const batcher = new SendBatcher(call, 2);
    const accepted = [batcher.send(send(1)), batcher.send(send(2))];
    await assert.rejects(
      batcher.send(send(3)),
      (error) => error instanceof GimError && error.code === ErrorCode.Busy,
    );
    await Promise.all(accepted);
    await batcher.send(send(4));
  });

  void it('answers busy at once while the oldest unanswered batch has waited over maxWaitMs', async () => {
    let now = 0;
    let answer: (() => void) | undefined;
    const { call } = logic();
    const slow = (request: logicMessageInt.SendUserMessagesRequest) =>
      new Promise<void>((resolve) => (answer = resolve)).then(() => call(request));
    const batcher = new SendBatcher(slow, 100, 500, () => now);
    const first = batcher.send(send(1));
    await new Promise((resolve) => setImmediate(resolve));
    now = 400;
    const second = batcher.send(send(2));
    now = 501;
    await assert.rejects(
      batcher.send(send(3)),
      (error) => error instanceof GimError && error.code === ErrorCode.Busy,
    );
    answer?.();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    answer?.();
    await second;
    const fourth = batcher.send(send(4));
    await new Promise((resolve) => setImmediate(resolve));
    answer?.();
    await fourth; // accepted again once nothing old waits
  });
});
