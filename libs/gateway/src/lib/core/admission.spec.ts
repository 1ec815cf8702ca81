import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PacketCommand, SignInRequest } from '@gim/protocol';
import { RecordingTransport, settle, testCore } from '../../../test/fakes';
import { AddressSlots } from './admission';

void describe('AddressSlots', () => {
  void it('refuses the slot over the limit per address and counts each address apart', () => {
    const slots = new AddressSlots(2);
    const a1 = slots.take('10.0.0.1');
    assert.ok(slots.take('10.0.0.1'));
    assert.equal(slots.take('10.0.0.1'), undefined);
    assert.ok(slots.take('10.0.0.2'));
    a1?.release();
    a1?.release();
    assert.equal(slots.held('10.0.0.1'), 1, 'a second release does nothing');
    assert.ok(slots.take('10.0.0.1'));
  });

  void it('has no limit at 0', () => {
    const slots = new AddressSlots(0);
    for (let i = 0; i < 1_000; i++) assert.ok(slots.take('10.0.0.1'));
  });

  void it('is released by the core when a connection signs in or closes', async () => {
    const { core } = testCore({ maxUnauthenticatedPerAddress: 2 });
    const signing = core.open(new RecordingTransport(), 'h:1', core.slots.take('h'));
    const leaving = core.open(new RecordingTransport(), 'h:2', core.slots.take('h'));
    assert.equal(core.slots.take('h'), undefined);
    core.receive(signing, {
      requestId: 's',
      command: PacketCommand.PC_SIGN_IN,
      content: Buffer.from(SignInRequest.encode({ userId: 1, deviceId: 11, token: 'token-1' }).finish()),
      seq: 0,
    });
    await settle();
    assert.equal(signing.state, 'signed-in');
    assert.equal(core.slots.held('h'), 1);
    core.closed(leaving);
    assert.equal(core.slots.held('h'), 0);
    core.closed(signing);
    assert.equal(core.slots.held('h'), 0);
  });
});
