import { DeviceLocation, HeldConnection, OnlineDevice, PresenceStore } from './presence';

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

  async renewLease(gatewayId: string, seconds: number): Promise<boolean> {
    if (seconds <= 0) {
      this.leases.delete(gatewayId);
      return false;
    }
    const now = this.now();
    const restored = (this.leases.get(gatewayId) ?? 0) <= now;
    this.leases.set(gatewayId, now + seconds * 1000);
    return restored;
  }

  async restore(gatewayId: string, connections: readonly HeldConnection[]): Promise<HeldConnection[]> {
    const moved: HeldConnection[] = [];
    for (const connection of connections) {
      let devices = this.devices.get(connection.userId);
      if (!devices) this.devices.set(connection.userId, (devices = new Map()));
      const current = devices.get(connection.deviceId);
      if (current === undefined) devices.set(connection.deviceId, { gatewayId, connId: connection.connId });
      else if (current.gatewayId !== gatewayId || current.connId !== connection.connId)
        moved.push(connection);
    }
    return moved;
  }

  async close(): Promise<void> {
    this.devices.clear();
    this.leases.clear();
  }
}
