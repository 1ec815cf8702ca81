import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@gim/errors';
import { Fanout } from '../message/fanout';
import { PresenceStore } from '../presence/presence';
import { SignInDeviceRequest } from './device.requests';
import { IdentifyDevice, SignedInDevice } from './identify-device';

/**
 * A long connection's sign-in: checks the token with business (which says who it signs in), registers the
 * device when an app's token names one gim has not seen, records the device on the calling gateway, and
 * closes the device's previous connection when another gateway holds it.
 */
@Injectable()
export class SignInDeviceUseCase {
  private readonly logger = new Logger('sign-in');

  constructor(
    private readonly identify: IdentifyDevice,
    private readonly presence: PresenceStore,
    private readonly fanout: Fanout,
  ) {}

  async execute(command: SignInDeviceRequest): Promise<SignedInDevice> {
    const who = await this.identify.execute(command.userId, command.deviceId, command.token);
    const { userId, deviceId } = who;
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
    return who;
  }
}
