import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@gim/errors';
import { Fanout } from '../message/fanout';
import { PresenceStore } from '../presence/presence';
import { UserDirectory } from '../user/user-directory';
import { DeviceNames } from './device-names';
import { DeviceRepository } from './device.repository';
import { SignInDeviceRequest } from './device.requests';

/** Who a long connection signed in as, inside gim: the ids the gateway names the connection by afterwards. */
export interface SignedInDevice {
  appId: number;
  userId: number;
  deviceId: number;
}

/**
 * A long connection's sign-in: checks the token with business (which says who it signs in), registers the
 * device when an app's token names one gim has not seen, records the device on the calling gateway, and
 * closes the device's previous connection when another gateway holds it.
 */
@Injectable()
export class SignInDeviceUseCase {
  private readonly logger = new Logger('sign-in');

  constructor(
    private readonly users: UserDirectory,
    private readonly presence: PresenceStore,
    private readonly fanout: Fanout,
    private readonly devices: DeviceRepository,
    private readonly names: DeviceNames,
  ) {}

  async execute(command: SignInDeviceRequest): Promise<SignedInDevice> {
    const who = await this.users.authenticate(command.userId, command.deviceId, command.token);
    const userId = who.userId;
    const deviceId = who.deviceId || (await this.devices.resolveAppDevice(userId, who.appDeviceId));
    this.names.remember(deviceId, who.appDeviceId);
    const location = { gatewayId: command.gatewayId, connId: command.connId };
    const previous = await this.presence.setOnline(userId, deviceId, location);
    // A previous connection on the same gateway is closed by that gateway itself when it registers this one.
    if (previous && previous.gatewayId !== command.gatewayId) {
      await this.fanout
        .kick(previous.gatewayId, {
          deviceId,
          connId: previous.connId,
          code: ErrorCode.SignedInElsewhere,
          reason: 'the device signed in on another connection',
        })
        .catch((error: unknown) => this.logger.warn(`kick of device ${deviceId} failed: ${String(error)}`));
    }
    return { appId: who.appId, userId, deviceId };
  }
}
