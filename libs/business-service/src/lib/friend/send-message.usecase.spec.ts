import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import { validated } from '@gim/rpc';
import { InMemoryUserRepository, RecordingMessageSender } from '../../../test/fakes';
import { SendMessageCommand, SendMessageUseCase } from './send-message.usecase';

function setup() {
  const users = new InMemoryUserRepository();
  const sender = new RecordingMessageSender();
  const alice = users.add('13800000001');
  const bob = users.add('13800000002');
  return {
    users,
    sender,
    alice,
    bob,
    sendMessage: new SendMessageUseCase(sender),
  };
}

const hasCode =
  (code: ErrorCode, pattern = /./) =>
  (error: unknown) =>
    error instanceof GimError && error.code === code && pattern.test(error.message);

void describe('SendMessageUseCase', () => {
  void it("hands the message to logic as the caller's device and returns logic's id and seq", async () => {
    const { sender, alice, bob, sendMessage } = setup();
    const content = Buffer.from('hello');
    const sent = await sendMessage.execute({
      senderId: alice.id,
      senderDeviceId: 7,
      userId: bob.id,
      content,
      clientMsgId: 'c-1',
    });
    assert.deepEqual(sent, { messageId: 30001, seq: 1 });
    assert.deepEqual(sender.sent, [
      { senderId: alice.id, senderDeviceId: 7, receiverId: bob.id, clientMsgId: 'c-1', content },
    ]);
  });

  void it("passes a Go gim client's empty client id through: logic stores such a send without deduplication", async () => {
    const { sender, alice, bob, sendMessage } = setup();
    await sendMessage.execute({
      senderId: alice.id,
      senderDeviceId: 7,
      userId: bob.id,
      content: Buffer.from('x'),
      clientMsgId: '',
    });
    assert.equal(sender.sent[0]?.clientMsgId, '');
  });

  void it("validates the receiver, the content type and the client id (the size rule is logic's)", () => {
    const base = { senderId: 1, senderDeviceId: 2, userId: 3, content: Buffer.from('x'), clientMsgId: 'c-1' };
    assert.ok(Buffer.isBuffer(validated(SendMessageCommand, base).content));
    const bad = (payload: object, field: RegExp) =>
      assert.throws(
        () => validated(SendMessageCommand, { ...base, ...payload }),
        hasCode(ErrorCode.BadRequest, field),
      );
    bad({ userId: 0 }, /userId/);
    bad({ content: 'text' }, /content/);
    bad({ clientMsgId: 'has space' }, /clientMsgId/);
    bad({ clientMsgId: 'x'.repeat(65) }, /clientMsgId/);
  });
});
