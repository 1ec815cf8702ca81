import { Injectable } from '@nestjs/common';
import { DeviceRepository } from './device.repository';
import { SaveDeviceRequest } from './device.requests';

/** Registers a device for the request's user, or updates it when the id names one of that user's devices (never another user's). */
@Injectable()
export class SaveDeviceUseCase {
  constructor(private readonly devices: DeviceRepository) {}

  async execute(command: SaveDeviceRequest): Promise<number> {
    return this.devices.save({ ...command.device, userId: command.userId });
  }
}
