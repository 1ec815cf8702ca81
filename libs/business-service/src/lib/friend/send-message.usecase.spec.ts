import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import { validated } from '@gim/rpc';
import { InMemoryUserRepository, RecordingMessageSender } from '../../../test/fakes';
import { GetUserUseCase } from '../user/get-user.usecase';
import { MAX_MESSAGE_CONTENT_BYTES } from './friend';
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
    sendMessage: new SendMessageUseCase(new GetUserUseCase(users), sender),
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

  void it('gives a message without a client id (a Go gim client) a fresh one, so it is never merged with another', async () => {
    const { sender, alice, bob, sendMessage } = setup();
    const command = {
      senderId: alice.id,
      senderDeviceId: 7,
      userId: bob.id,
      content: Buffer.from('x'),
      clientMsgId: '',
    };
    await sendMessage.execute(command);
    await sendMessage.execute(command);
    const [first, second] = sender.sent.map((message) => message.clientMsgId);
    assert.ok(first && second && first !== second);
  });

  void it('fails with 10301 and sends nothing when the receiver does not exist', async () => {
    const { sender, alice, sendMessage } = setup();
    await assert.rejects(
      sendMessage.execute({
        senderId: alice.id,
        senderDeviceId: 7,
        userId: 424242,
        content: Buffer.from('x'),
        clientMsgId: '',
      }),
      hasCode(ErrorCode.UserNotFound),
    );
    assert.equal(sender.sent.length, 0);
  });

  void it('validates the receiver, the content size and the client id', () => {
    const base = { senderId: 1, senderDeviceId: 2, userId: 3, content: Buffer.from('x'), clientMsgId: 'c-1' };
    assert.ok(Buffer.isBuffer(validated(SendMessageCommand, base).content));
    const bad = (payload: object, field: RegExp) =>
      assert.throws(
        () => validated(SendMessageCommand, { ...base, ...payload }),
        hasCode(ErrorCode.BadRequest, field),
      );
    bad({ userId: 0 }, /userId/);
    bad({ content: Buffer.alloc(0) }, /content/);
    bad({ content: Buffer.alloc(MAX_MESSAGE_CONTENT_BYTES + 1) }, /content/);
    bad({ clientMsgId: 'has space' }, /clientMsgId/);
    bad({ clientMsgId: 'x'.repeat(65) }, /clientMsgId/);
  });
});
