import { Injectable } from '@nestjs/common';
import { DeviceRepository } from './device.repository';
import { SaveDeviceRequest } from './device.requests';

/** Registers a device, or updates it (and its current user) when its id exists. */
@Injectable()
export class SaveDeviceUseCase {
  constructor(private readonly devices: DeviceRepository) {}

  async execute(command: SaveDeviceRequest): Promise<number> {
    return this.devices.save({ ...command.device, userId: command.userId });
  }
}
