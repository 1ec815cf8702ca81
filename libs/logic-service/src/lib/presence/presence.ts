/** Where a device's live connection is: which gateway, and that gateway's id for the connection. */
export interface DeviceLocation {
  gatewayId: string;
  connId: number;
}

/** An online device of a user. */
export interface OnlineDevice extends DeviceLocation {
  userId: number;
  deviceId: number;
}

/** A signed-in connection a gateway re-records with restore. */
export interface HeldConnection {
  userId: number;
  deviceId: number;
  connId: number;
}

/**
 * Which gateway holds each online device. Entries count only while their gateway's lease is alive, so a
 * crashed gateway's devices stop counting as online when its lease lapses.
 */
export abstract class PresenceStore {
  /** Records the device on a connection; returns where it was before, if anywhere. */
  abstract setOnline(
    userId: number,
    deviceId: number,
    location: DeviceLocation,
  ): Promise<DeviceLocation | undefined>;
  /** Removes the device only if it is still recorded at `location` (a newer connection wins). */
  abstract setOffline(userId: number, deviceId: number, location: DeviceLocation): Promise<void>;
  /** The online devices of the given users, on gateways whose lease is alive. */
  abstract onlineDevices(userIds: readonly number[]): Promise<OnlineDevice[]>;
  /**
   * Extends a gateway's lease by `seconds`; 0 ends it at once. Returns true when the lease did not exist
   * before (first start, lapse, or lost data): the gateway's connections may be missing and need a restore.
   */
  abstract renewLease(gatewayId: string, seconds: number): Promise<boolean>;
  /**
   * Records each connection as its device's location unless the device is recorded elsewhere by now (a newer
   * connection wins); returns the connections left out that way.
   */
  abstract restore(gatewayId: string, connections: readonly HeldConnection[]): Promise<HeldConnection[]>;
  /** Releases connections. */
  abstract close(): Promise<void>;
}

/** Serialized form of a location: `<gatewayId>#<connId>`. */
export function encodeLocation(location: DeviceLocation): string {
  return `${location.gatewayId}#${location.connId}`;
}

/** Parses `encodeLocation`'s output; undefined for anything else. */
export function decodeLocation(value: string | null | undefined): DeviceLocation | undefined {
  if (!value) return undefined;
  const at = value.lastIndexOf('#');
  if (at <= 0) return undefined;
  const connId = Number(value.slice(at + 1));
  return Number.isSafeInteger(connId) ? { gatewayId: value.slice(0, at), connId } : undefined;
}
