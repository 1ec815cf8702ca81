import { DeviceRepository } from './device.repository';

const CACHE_LIMIT = 100_000;

/**
 * The ids apps call devices by, which is what message bodies carry (gim's own id where gim chose it). A
 * device's ids never change, so what sign-in learns is kept until the cache fills.
 */
export class DeviceNames {
  private readonly known = new Map<number, number>();

  constructor(private readonly devices: DeviceRepository) {}

  /** Records a device's app id, learnt at sign-in. */
  remember(deviceId: number, appDeviceId: number): void {
    if (this.known.size >= CACHE_LIMIT) this.known.clear();
    this.known.set(deviceId, appDeviceId);
  }

  /** The id the device's app calls it by; its own id when the device is unknown. */
  async appDeviceId(deviceId: number): Promise<number> {
    const known = this.known.get(deviceId);
    if (known !== undefined) return known;
    const found = (await this.devices.appDeviceIds([deviceId])).get(deviceId) ?? deviceId;
    this.remember(deviceId, found);
    return found;
  }
}
