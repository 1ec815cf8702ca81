import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MemoryBus } from '@gim/bus';
import { ErrorCode, GimError } from '@gim/errors';
import { FakeFriends } from '../../../test/logic-harness';
import { MessagingPolicy } from './messaging-policy';

const CHANNEL = 'test:relations';
const refused = (code: ErrorCode) => (error: unknown) => error instanceof GimError && error.code === code;

async function setup() {
  const friends = new FakeFriends();
  const bus = new MemoryBus();
  let now = 1_000;
  const policy = new MessagingPolicy(friends, () => now);
  await policy.listen(bus, CHANNEL);
  return { friends, bus, policy, advance: (ms: number) => (now += ms) };
}

void describe('MessagingPolicy', () => {
  void it('asks once per I/O phase, then keeps the verdicts until a change between the two users is announced', async () => {
    const { friends, bus, policy } = await setup();
    friends.refusals.set('1:3', ErrorCode.Blocked);
    await Promise.allSettled([policy.check(1, 2), policy.check(1, 3)]);
    assert.equal(friends.calls.length, 1);
    await policy.check(1, 2);
    await assert.rejects(policy.check(1, 3), refused(ErrorCode.Blocked));
    assert.equal(friends.calls.length, 1, 'kept verdicts: nothing asked');

    friends.refusals.set('1:2', ErrorCode.Blocked);
    await bus.publish(CHANNEL, Buffer.from('2:1'));
    await nextTurn();
    await assert.rejects(
      policy.check(1, 2),
      refused(ErrorCode.Blocked),
      'the announced pair is asked again, either way round',
    );
    await assert.rejects(policy.check(1, 3), refused(ErrorCode.Blocked));
    assert.equal(friends.calls.length, 2);
  });

  void it('keeps no verdict whose answer crossed an announced change, and none beyond its lifetime', async () => {
    const { friends, bus, policy, advance } = await setup();
    const pending = policy.check(5, 6);
    await bus.publish(CHANNEL, Buffer.from('5:6'));
    await pending;
    await policy.check(5, 6);
    assert.equal(friends.calls.length, 2, 'the first answer may predate the change: not kept');
    await policy.check(5, 6);
    assert.equal(friends.calls.length, 2);
    advance(31_000);
    await policy.check(5, 6);
    assert.equal(friends.calls.length, 3, 'expired after 30 s');
  });

  void it('never asks about a note to oneself', async () => {
    const { friends, policy } = await setup();
    await policy.check(9, 9);
    assert.equal(friends.calls.length, 0);
  });
});
