import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@gim/errors';
import { Fanout } from '../message/fanout';
import { PresenceStore } from '../presence/presence';
import { UserDirectory } from '../user/user-directory';
import { SignInDeviceRequest } from './device.requests';

/**
 * A long connection's sign-in: checks the token with business, records the device on the calling gateway,
 * and closes the device's previous connection when another gateway holds it.
 */
@Injectable()
export class SignInDeviceUseCase {
  private readonly logger = new Logger('sign-in');

  constructor(
    private readonly users: UserDirectory,
    private readonly presence: PresenceStore,
    private readonly fanout: Fanout,
  ) {}

  async execute(command: SignInDeviceRequest): Promise<void> {
    await this.users.authenticate(command.userId, command.deviceId, command.token);
    const location = { gatewayId: command.gatewayId, connId: command.connId };
    const previous = await this.presence.setOnline(command.userId, command.deviceId, location);
    // A previous connection on the same gateway is closed by that gateway itself when it registers this one.
    if (previous && previous.gatewayId !== command.gatewayId) {
      await this.fanout
        .kick(previous.gatewayId, {
          deviceId: command.deviceId,
          connId: previous.connId,
          code: ErrorCode.SignedInElsewhere,
          reason: 'the device signed in on another connection',
        })
        .catch((error: unknown) =>
          this.logger.warn(`kick of device ${command.deviceId} failed: ${String(error)}`),
        );
    }
  }
}
