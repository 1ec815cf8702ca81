import { Injectable } from '@nestjs/common';
import { UserDirectory } from '../user/user-directory';
import { DeviceNames } from './device-names';
import { DeviceRepository } from './device.repository';

/** Who a token signs in, inside gim: the ids logic, presence and the gateways name the user and device by. */
export interface SignedInDevice {
  appId: number;
  userId: number;
  deviceId: number;
}

/**
 * Checks a token with business (gim's own, or one the user's app signed) and finds the device it signs in,
 * registering it when an app's token names one gim has not seen; the one way the long connection and the
 * client-facing gRPC calls learn who is calling.
 */
@Injectable()
export class IdentifyDevice {
  constructor(
    private readonly users: UserDirectory,
    private readonly devices: DeviceRepository,
    private readonly names: DeviceNames,
  ) {}

  /** The ids are as the client names them (0 with an app token: the token's). */
  async execute(userId: number, deviceId: number, token: string): Promise<SignedInDevice> {
    const who = await this.users.authenticate(userId, deviceId, token);
    const id = who.deviceId || (await this.devices.resolveAppDevice(who.userId, who.appDeviceId));
    this.names.remember(id, who.appDeviceId);
    return { appId: who.appId, userId: who.userId, deviceId: id };
  }
}
