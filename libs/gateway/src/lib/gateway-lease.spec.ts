import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import { PacketCommand, SignInRequest } from '@gim/protocol';
import { RecordingTransport, settle, testCore } from '../../test/fakes';
import { SILENT_LOGGER } from './core/logger';
import { GatewayLease } from './gateway-lease';
import { PresenceRestorer } from './presence-restorer';

const GATEWAY_ID = 'gw-test';

/** A core with three signed-in devices (11, 12, 13 of users 1, 2, 3), one socket not signed in, and a lease. */
async function gatewayWithDevices() {
  const setup = testCore();
  const { core, logic, flush } = setup;
  const devices = new Map<number, { transport: RecordingTransport; connId: number }>();
  for (const [userId, deviceId] of [
    [1, 11],
    [2, 12],
    [3, 13],
  ] as const) {
    const transport = new RecordingTransport();
    const connection = core.open(transport, `10.0.0.${userId}:5000`);
    const content = SignInRequest.encode({ userId, deviceId, token: `token-${userId}` }).finish();
    core.receive(connection, {
      requestId: 'sign-in',
      command: PacketCommand.PC_SIGN_IN,
      content: Buffer.from(content),
      seq: 0,
    });
    devices.set(deviceId, { transport, connId: connection.id });
  }
  const anonymous = new RecordingTransport();
  core.open(anonymous, '10.0.0.9:5000');
  await settle();
  flush();
  for (const { transport } of devices.values()) transport.writes.length = 0;
  const lease = new GatewayLease(
    logic,
    GATEWAY_ID,
    30,
    SILENT_LOGGER,
    new PresenceRestorer(core, logic, GATEWAY_ID, 2),
  );
  /** Renews once and writes out what it queued. */
  const renew = async (): Promise<void> => {
    await lease.renew();
    flush();
  };
  const device = (deviceId: number) => devices.get(deviceId)!;
  return { ...setup, device, anonymous, renew };
}

function syncNotices(transport: RecordingTransport): number {
  return transport.packets().filter((packet) => packet.command === PacketCommand.PC_SYNC_NOTICE).length;
}

void describe('GatewayLease restoring presence', () => {
  void it('re-records every signed-in connection in batches when logic reports the lease restored, then notifies each once', async () => {
    const { logic, device, anonymous, renew } = await gatewayWithDevices();
    logic.leaseRestored = true;
    logic.devicesElsewhere.add(12);
    await renew();

    assert.deepEqual(
      logic.restores.map((request) => request.gatewayId),
      [GATEWAY_ID, GATEWAY_ID],
      'three connections in batches of two',
    );
    assert.deepEqual(
      logic.restores.flatMap((request) => request.connections),
      [
        { userId: 1, deviceId: 11, connId: device(11).connId },
        { userId: 2, deviceId: 12, connId: device(12).connId },
        { userId: 3, deviceId: 13, connId: device(13).connId },
      ],
    );
    for (const deviceId of [11, 13]) {
      const packets = device(deviceId).transport.packets();
      assert.deepEqual(
        packets.map((packet) => [packet.command, packet.requestId, packet.content.length, packet.seq]),
        [[PacketCommand.PC_SYNC_NOTICE, '', 0, 0]],
        `device ${deviceId} gets exactly one empty PC_SYNC_NOTICE`,
      );
    }
    assert.equal(
      device(11).transport.writes.flat()[0],
      device(13).transport.writes.flat()[0],
      'the notice is encoded once and its bytes shared',
    );
    const moved = device(12).transport;
    assert.equal(moved.closeNotice()?.code, ErrorCode.SignedInElsewhere);
    assert.equal(moved.ended?.code, ErrorCode.SignedInElsewhere);
    assert.equal(syncNotices(moved), 0, 'the connection closed for being elsewhere is not told to sync');
    assert.deepEqual(anonymous.writes, [], 'a socket that has not signed in is left alone');

    logic.leaseRestored = false;
    await renew();
    assert.equal(logic.restores.length, 2, 'a normal renewal restores nothing');
    assert.equal(syncNotices(device(11).transport), 1);
  });

  void it('retries a failed restore at the next renewal and notifies only once it succeeds', async () => {
    const { logic, device, renew } = await gatewayWithDevices();
    logic.leaseRestored = true;
    logic.restoreFailure = new GimError(ErrorCode.Unavailable, 'presence unavailable');
    await renew();
    assert.equal(logic.restores.length, 1);
    assert.equal(syncNotices(device(11).transport), 0, 'no notice while presence is not restored');

    logic.leaseRestored = false;
    logic.restoreFailure = undefined;
    await renew();
    assert.equal(logic.restores.length, 3, 'the whole restore ran again');
    for (const deviceId of [11, 12, 13]) assert.equal(syncNotices(device(deviceId).transport), 1);
    await renew();
    assert.equal(logic.restores.length, 3);
  });

  void it('restores after a failed renewal succeeds again, even when logic kept the lease', async () => {
    const { logic, device, renew } = await gatewayWithDevices();
    logic.leaseFailure = new GimError(ErrorCode.Unavailable, 'logic unavailable');
    await renew();
    await renew();
    assert.equal(logic.restores.length, 0);
    logic.leaseFailure = undefined;
    await renew();
    assert.equal(logic.restores.flatMap((request) => request.connections).length, 3);
    assert.equal(syncNotices(device(12).transport), 1);
    await renew();
    assert.equal(logic.restores.flatMap((request) => request.connections).length, 3);
  });
});
