import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstValueFrom, Subject, toArray } from 'rxjs';
import { logicMessageInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { GrpcDrain } from '@gim/rpc';
import { MessageIntGrpc } from './message.grpc';
import { MAX_SENDS_PER_CALL, SendUserMessageRequest } from './message.requests';
import { SendUserMessageUseCase } from './send-user-message.usecase';

const send = (toUserId: number, userId = 1): logicMessageInt.SendUserMessageRequest => ({
  userId,
  deviceId: 11,
  toUserId,
  toGroupId: 0,
  clientMsgId: `c-${toUserId}`,
  content: Buffer.from('x'),
});

/** The send use case as the controller sees it: 404 → not found, 500 → a bug, else stored. */
function controller(deadlines: number[] = [], drain = new GrpcDrain()): MessageIntGrpc {
  const useCase = {
    execute: async (command: SendUserMessageRequest, deadline: number) => {
      deadlines.push(deadline);
      if (command.toUserId === 404) throw new GimError(ErrorCode.UserNotFound, 'user not found: 404');
      if (command.toUserId === 500) throw new TypeError('a bug');
      return { messageId: command.toUserId, seq: 1, createdAt: 5 };
    },
  } as unknown as SendUserMessageUseCase;
  const unused = undefined as never;
  return new MessageIntGrpc(useCase, unused, unused, unused, unused, drain);
}

void describe('MessageIntGrpc.sendUserMessages', () => {
  void it("answers each send on its own, in order, with the caller's deadline", async () => {
    const deadlines: number[] = [];
    const call = { getDeadline: () => new Date(1_800_000_000_000) };
    const reply = await controller(deadlines).sendUserMessages(
      { sends: [send(7), send(404), send(-1), send(500), send(8)] },
      undefined,
      call,
    );
    assert.deepEqual(
      reply.results.map((result) => [result.code, result.reply?.messageId ?? 0]),
      [
        [0, 7],
        [ErrorCode.UserNotFound, 0],
        [ErrorCode.BadRequest, 0],
        [13, 0],
        [0, 8],
      ],
    );
    assert.match(reply.results[2]!.message, /toUserId/, 'an invalid send is refused alone, naming its field');
    assert.equal(reply.results[3]!.message, 'internal error', 'a bug is not shown to the caller');
    assert.deepEqual(deadlines, [1_800_000_000_000, 1_800_000_000_000, 1_800_000_000_000, 1_800_000_000_000]);
  });

  void it(`refuses a call of more than ${MAX_SENDS_PER_CALL} sends as a whole with 10001`, async () => {
    const sends = Array.from({ length: MAX_SENDS_PER_CALL + 1 }, (_, i) => send(i + 1));
    await assert.rejects(
      controller().sendUserMessages({ sends }),
      (error) => error instanceof GimError && error.code === ErrorCode.BadRequest,
    );
  });
});

void describe('MessageIntGrpc.sendUserMessageStream', () => {
  void it('takes no batch once draining starts and ends after answering the ones it took', async () => {
    const drain = new GrpcDrain();
    const batches = new Subject<logicMessageInt.SendUserMessageBatch>();
    const replies = firstValueFrom(controller([], drain).sendUserMessageStream(batches).pipe(toArray()));
    batches.next({ batchId: 1, sends: [send(7)], timeoutMs: 1_000 });
    drain.begin();
    batches.next({ batchId: 2, sends: [send(8)], timeoutMs: 1_000 });
    assert.deepEqual(
      (await replies).map((reply) => [reply.batchId, reply.results[0]?.reply?.messageId]),
      [[1, 7]],
      'the stream completed with the answer to the batch taken before the drain',
    );
  });
});
