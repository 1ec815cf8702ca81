import { DeviceLocation, OnlineDevice, PresenceStore } from './presence';

/** Presence for standalone mode: one process, so plain maps. */
export class MemoryPresence extends PresenceStore {
  private readonly devices = new Map<number, Map<number, DeviceLocation>>();
  private readonly leases = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  async setOnline(
    userId: number,
    deviceId: number,
    location: DeviceLocation,
  ): Promise<DeviceLocation | undefined> {
    let devices = this.devices.get(userId);
    if (!devices) this.devices.set(userId, (devices = new Map()));
    const previous = devices.get(deviceId);
    devices.set(deviceId, location);
    return previous;
  }

  async setOffline(userId: number, deviceId: number, location: DeviceLocation): Promise<void> {
    const devices = this.devices.get(userId);
    const current = devices?.get(deviceId);
    if (!devices || !current) return;
    if (current.gatewayId !== location.gatewayId || current.connId !== location.connId) return;
    devices.delete(deviceId);
    if (devices.size === 0) this.devices.delete(userId);
  }

  async onlineDevices(userIds: readonly number[]): Promise<OnlineDevice[]> {
    const now = this.now();
    const online: OnlineDevice[] = [];
    for (const userId of userIds) {
      for (const [deviceId, location] of this.devices.get(userId) ?? []) {
        if ((this.leases.get(location.gatewayId) ?? 0) > now) online.push({ userId, deviceId, ...location });
      }
    }
    return online;
  }

  async renewLease(gatewayId: string, seconds: number): Promise<void> {
    if (seconds <= 0) this.leases.delete(gatewayId);
    else this.leases.set(gatewayId, this.now() + seconds * 1000);
  }

  async close(): Promise<void> {
    this.devices.clear();
    this.leases.clear();
  }
}
