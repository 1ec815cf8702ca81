import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '@gim/errors';
import { PacketCommand, SignInRequest } from '@gim/protocol';
import { RecordingTransport, settle, testCore } from '../../../test/fakes';

const signIn = (userId: number, deviceId: number) => ({
  requestId: 's',
  command: PacketCommand.PC_SIGN_IN,
  content: Buffer.from(SignInRequest.encode({ userId, deviceId, token: `token-${userId}` }).finish()),
  seq: 0,
});
const heartbeat = { requestId: 'h', command: PacketCommand.PC_HEARTBEAT, content: Buffer.alloc(0), seq: 0 };

void describe('Sweeper', () => {
  void it('closes a connection that has not signed in within the sign-in timeout with 10403', () => {
    const { core, clock, flush } = testCore({ signInTimeoutMs: 5_000 });
    const transport = new RecordingTransport();
    core.open(transport, 'a');
    clock.advance(4_999);
    core.sweeper.sweep();
    assert.equal(transport.writes.length, 0, 'still open one millisecond before the timeout');
    clock.advance(1);
    core.sweeper.sweep();
    flush();
    assert.equal(transport.closeNotice()?.code, ErrorCode.SignInTimeout);
    assert.equal(transport.ended?.code, ErrorCode.SignInTimeout);
  });

  void it('closes a signed-in connection idle for the idle timeout with 10404; packets keep it alive', async () => {
    const { core, clock, flush } = testCore({ signInTimeoutMs: 1_000, idleTimeoutMs: 30_000 });
    const transport = new RecordingTransport();
    const conn = core.open(transport, 'a');
    core.receive(conn, signIn(1, 11));
    await settle();
    assert.equal(conn.state, 'signed-in');
    clock.advance(29_999);
    core.sweeper.sweep();
    core.receive(conn, heartbeat);
    clock.advance(29_999);
    core.sweeper.sweep();
    assert.equal(
      conn.state,
      'signed-in',
      'the heartbeat reset the idle clock; the sign-in timeout no longer applies',
    );
    clock.advance(1);
    core.sweeper.sweep();
    flush();
    assert.equal(transport.closeNotice()?.code, ErrorCode.IdleTimeout);
    assert.equal(conn.state, 'closing');
  });

  void it('destroys a closing connection whose socket lingers past the grace period', () => {
    const { core, clock } = testCore({ closeGraceMs: 2_000 });
    const transport = new RecordingTransport();
    const conn = core.open(transport, 'a');
    core.close(conn, ErrorCode.ServerShutdown, 'bye');
    clock.advance(1_999);
    core.sweeper.sweep();
    assert.equal(transport.destroyed, false);
    clock.advance(1);
    core.sweeper.sweep();
    assert.equal(transport.destroyed, true);
  });

  void it('expires a pending socket at the sign-in timeout, once', () => {
    const { core, clock } = testCore({ signInTimeoutMs: 1_000 });
    let expired = 0;
    clock.advance(500);
    core.sweeper.pending.add({ openedAt: clock.now(), expire: () => expired++ });
    clock.advance(999);
    core.sweeper.sweep();
    assert.equal(expired, 0);
    clock.advance(1);
    core.sweeper.sweep();
    core.sweeper.sweep();
    assert.equal(expired, 1);
    assert.equal(core.sweeper.pending.size, 0);
  });

  void it('leaves nothing behind once the transport reports the socket closed', () => {
    const { core } = testCore();
    const conn = core.open(new RecordingTransport(), 'a');
    assert.equal(core.registry.size, 1);
    core.closed(conn);
    assert.equal(core.registry.size, 0);
  });
});
