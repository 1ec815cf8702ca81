import { Injectable } from '@nestjs/common';
import { badRequest } from '@gim/errors';
import { DeviceRepository } from './device.repository';
import { SaveDeviceRequest } from './device.requests';

/**
 * Registers a device for the request's user, or updates it when the id names one of that user's devices (never
 * another user's). With an app's id for the device, finds or registers the user's device by that id instead.
 */
@Injectable()
export class SaveDeviceUseCase {
  constructor(private readonly devices: DeviceRepository) {}

  async execute(command: SaveDeviceRequest): Promise<number> {
    if (command.appDeviceId !== 0) {
      if (command.userId === 0) throw badRequest('userId: an app device belongs to a user');
      return this.devices.resolveAppDevice(command.userId, command.appDeviceId);
    }
    return this.devices.save({ ...command.device, userId: command.userId });
  }
}
