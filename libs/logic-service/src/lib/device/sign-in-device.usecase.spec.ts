import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { MemoryBus } from '@gim/bus';
import { ErrorCode, GimError } from '@gim/errors';
import { ChannelTap, LogicWorld, settle } from '../../../test/logic-harness';
import { Fanout } from '../message/fanout';
import { SignInDeviceRequest } from './device.requests';
import { DeviceNames } from './device-names';
import type { DeviceRepository } from './device.repository';
import { IdentifyDevice } from './identify-device';
import { SignInDeviceUseCase } from './sign-in-device.usecase';

const USER = 5;
const DEVICE = 55;

/** A bus that cannot publish. */
class FailingBus extends MemoryBus {
  override async publish(): Promise<void> {
    throw new Error('Connection is closed.');
  }
}

void describe('SignInDeviceUseCase', () => {
  let world: LogicWorld;
  let gw1: ChannelTap;
  let gw2: ChannelTap;
  let signIn: SignInDeviceUseCase;

  const request = (gatewayId: string, connId: number, token = 'live-token'): SignInDeviceRequest => ({
    userId: USER,
    deviceId: DEVICE,
    token,
    clientAddr: '203.0.113.5:50000',
    gatewayId,
    connId,
  });
  const whereIs = async () =>
    (await world.presence.onlineDevices([USER])).map(({ deviceId, gatewayId, connId }) => ({
      deviceId,
      gatewayId,
      connId,
    }));

  beforeEach(async () => {
    world = new LogicWorld();
    world.business.addUser(USER);
    world.business.issueToken(USER, DEVICE, 'live-token');
    gw1 = await world.gateway('gw1');
    gw2 = await world.gateway('gw2');
    // Business says the device is gim's own (default app), so the device table is never needed.
    const noDevices = {} as DeviceRepository;
    signIn = new SignInDeviceUseCase(
      new IdentifyDevice(world.users, noDevices, new DeviceNames(noDevices)),
      world.presence,
      world.fanout,
    );
  });

  afterEach(async () => {
    await world.close();
  });

  void it('records the device on the calling gateway connection, kicking nothing', async () => {
    await signIn.execute(request('gw1', 3));
    await settle();
    assert.deepEqual(await whereIs(), [{ deviceId: DEVICE, gatewayId: 'gw1', connId: 3 }]);
    assert.deepEqual(world.published(), []);
  });

  void it('refuses a token business rejects with 10000 and records nothing, leaving the current connection alone', async () => {
    await signIn.execute(request('gw1', 3));
    await assert.rejects(signIn.execute(request('gw2', 4, 'stolen-or-expired')), (error: unknown) => {
      assert.ok(error instanceof GimError);
      assert.equal(error.code, ErrorCode.Unauthorized);
      return true;
    });
    await settle();
    assert.deepEqual(await whereIs(), [{ deviceId: DEVICE, gatewayId: 'gw1', connId: 3 }]);
    assert.deepEqual(world.published(), []);
  });

  void it("closes the device's connection on another gateway with 10405, on that gateway's channel", async () => {
    await signIn.execute(request('gw1', 3));
    await signIn.execute(request('gw2', 8));
    await settle();

    assert.deepEqual(gw1.kicks(), [
      {
        deviceId: DEVICE,
        connId: 3,
        code: ErrorCode.SignedInElsewhere,
        reason: 'the device signed in on another connection',
      },
    ]);
    assert.deepEqual(gw1.pushes(), []);
    assert.deepEqual(gw2.batches, [], 'the new connection is not kicked');
    assert.deepEqual(await whereIs(), [{ deviceId: DEVICE, gatewayId: 'gw2', connId: 8 }]);
  });

  void it('publishes no kick when the previous connection is on the same gateway', async () => {
    await signIn.execute(request('gw1', 3));
    await signIn.execute(request('gw1', 4));
    await settle();
    assert.deepEqual(world.published(), []);
    assert.deepEqual(await whereIs(), [{ deviceId: DEVICE, gatewayId: 'gw1', connId: 4 }]);
  });

  void describe('when the kick cannot be published', () => {
    const warnings: string[] = [];

    beforeEach(() => {
      warnings.length = 0;
      Logger.overrideLogger({
        log: () => undefined,
        error: () => undefined,
        warn: (line: unknown) => warnings.push(String(line)),
      });
    });

    afterEach(() => {
      Logger.overrideLogger(new ConsoleLogger());
    });

    void it('still signs the device in, and logs the failed kick', async () => {
      const noBus = new SignInDeviceUseCase(
        new IdentifyDevice(world.users, {} as DeviceRepository, new DeviceNames({} as DeviceRepository)),
        world.presence,
        new Fanout(new FailingBus(), world.channels, world.presence),
      );
      await noBus.execute(request('gw1', 3));
      await noBus.execute(request('gw2', 8));
      assert.deepEqual(await whereIs(), [{ deviceId: DEVICE, gatewayId: 'gw2', connId: 8 }]);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /kick of device 55 failed: .*Connection is closed/);
    });
  });
});
