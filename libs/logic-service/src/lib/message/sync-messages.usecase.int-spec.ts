import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import { LogicStorage, openLogicStorage, testConfig } from '../../../test/logic-harness';
import { AckMessagesUseCase, SyncMessagesUseCase } from './sync-messages.usecase';

const USER = 7;
const PHONE = 71;
const LAPTOP = 72;
const NEW_TABLET = 73;

void describe('AckMessagesUseCase with SyncMessagesUseCase', () => {
  let storage: LogicStorage;
  let ack: AckMessagesUseCase;
  let sync: SyncMessagesUseCase;

  beforeEach(async () => {
    storage = await openLogicStorage('ack-messages');
    ack = new AckMessagesUseCase(storage.messages);
    sync = new SyncMessagesUseCase(testConfig(), storage.messages);
    for (let i = 1; i <= 5; i++) {
      await storage.messages.store({
        senderId: 0,
        command: 1,
        content: Buffer.from(`m${i}`),
        recipients: [USER],
        createdAt: Date.now(),
      });
    }
  });

  afterEach(async () => {
    await storage.close();
  });

  const newDeviceSync = async () =>
    (await sync.execute({ userId: USER, deviceId: NEW_TABLET, seq: 0, limit: 0 })).messages.map((m) => m.seq);

  void it("records a device's ack, so a new device's sync starts after the highest ack of any device", async () => {
    await ack.execute({ userId: USER, deviceId: PHONE, seq: 2 });
    await ack.execute({ userId: USER, deviceId: LAPTOP, seq: 4 });
    assert.deepEqual(await newDeviceSync(), [5]);
    const fromOwnSeq = await sync.execute({ userId: USER, deviceId: PHONE, seq: 2, limit: 0 });
    assert.deepEqual(
      fromOwnSeq.messages.map((m) => m.seq),
      [3, 4, 5],
      'a device syncing from its own seq is not affected by acks',
    );
  });

  void it('never lowers a device ack', async () => {
    await ack.execute({ userId: USER, deviceId: PHONE, seq: 4 });
    await ack.execute({ userId: USER, deviceId: PHONE, seq: 1 });
    assert.deepEqual(await newDeviceSync(), [5]);
  });

  void it("refuses a seq beyond the user's latest with 10001 and records nothing", async () => {
    await assert.rejects(ack.execute({ userId: USER, deviceId: PHONE, seq: 6 }), (error: unknown) => {
      assert.ok(error instanceof GimError);
      assert.equal(error.code, ErrorCode.BadRequest);
      assert.match(error.message, /beyond the user's latest seq 5/);
      return true;
    });
    assert.equal(await storage.messages.highestAck(USER), 0);
    assert.deepEqual(await newDeviceSync(), [1, 2, 3, 4, 5]);
    await ack.execute({ userId: USER, deviceId: PHONE, seq: 5 });
    assert.deepEqual(await newDeviceSync(), [], 'the latest seq itself is accepted');
  });

  void it("checks the seq against the acknowledging user's own messages", async () => {
    await assert.rejects(ack.execute({ userId: USER + 1, deviceId: 81, seq: 1 }), GimError);
  });
});
