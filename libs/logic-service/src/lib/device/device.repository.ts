import { Database, isDuplicateKey, sqlDateTime } from '@gim/storage';
import { Device } from './device';

const COLUMNS = 'id, user_id, type, brand, model, system_version, sdk_version, branch_push_id';

function toDevice(row: Record<string, unknown>): Device {
  return {
    id: Number(row['id']),
    userId: Number(row['user_id']),
    type: Number(row['type']),
    brand: String(row['brand']),
    model: String(row['model']),
    systemVersion: String(row['system_version']),
    sdkVersion: String(row['sdk_version']),
    branchPushId: String(row['branch_push_id']),
  };
}

/** Devices table access. A device row's user never changes. */
export class DeviceRepository {
  constructor(private readonly db: Database) {}

  /**
   * Updates the device `device.id` when it exists and belongs to `device.userId`; otherwise (no id, an
   * unknown id, or another user's device) registers a new device. Returns the id the device now has.
   */
  async save(device: Device): Promise<number> {
    const now = sqlDateTime(Date.now());
    const fields = [
      device.type,
      device.brand,
      device.model,
      device.systemVersion,
      device.sdkVersion,
      device.branchPushId,
    ];
    if (device.id > 0 && (await this.updateOwn(device, fields, now))) return device.id;
    const insert =
      'INSERT INTO device (user_id, type, brand, model, system_version, sdk_version, branch_push_id, created_at, updated_at) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
    const params = [device.userId, ...fields, now, now];
    if (this.db.dialect === 'sqlite') {
      const [row] = await this.db.query<{ id: number }[]>(`${insert} RETURNING id`, params);
      return Number(row?.id);
    }
    const result = await this.db.query<{ insertId: number }>(insert, params);
    return Number(result.insertId);
  }

  // Updates the device only where it is this user's; true when it was.
  private async updateOwn(device: Device, fields: unknown[], now: string): Promise<boolean> {
    const update =
      'UPDATE device SET type = ?, brand = ?, model = ?, system_version = ?, sdk_version = ?, branch_push_id = ?, ' +
      'updated_at = ? WHERE id = ? AND user_id = ?';
    const params = [...fields, now, device.id, device.userId];
    if (this.db.dialect === 'sqlite') {
      return (await this.db.query<unknown[]>(`${update} RETURNING id`, params)).length > 0;
    }
    // mysql2 connects with FOUND_ROWS, so affectedRows counts matched rows even when nothing changed.
    return (await this.db.query<{ affectedRows: number }>(update, params)).affectedRows > 0;
  }

  /**
   * The device an app calls `appDeviceId` for this user (ids from the app's token), registered now if the user
   * has none by that id yet; safe when two sign-ins race. Returns the device's id inside gim.
   */
  async resolveAppDevice(userId: number, appDeviceId: number): Promise<number> {
    const select = 'SELECT id FROM device WHERE user_id = ? AND app_device_id = ?';
    const found = await this.db.query<{ id: number }[]>(select, [userId, appDeviceId]);
    if (found[0]) return Number(found[0].id);
    const now = sqlDateTime(Date.now());
    try {
      await this.db.query(
        'INSERT INTO device (user_id, app_device_id, created_at, updated_at) VALUES (?, ?, ?, ?)',
        [userId, appDeviceId, now, now],
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const [row] = await this.db.query<{ id: number }[]>(select, [userId, appDeviceId]);
    if (!row)
      throw new Error(`device ${appDeviceId} of user ${userId} vanished right after it was registered`);
    return Number(row.id);
  }

  /** The ids their apps call these devices by (gim's own id where gim chose it), for those that exist. */
  async appDeviceIds(ids: readonly number[]): Promise<Map<number, number>> {
    const found = new Map<number, number>();
    if (ids.length === 0) return found;
    const rows = await this.db.query<{ id: number; app_device_id: number | null }[]>(
      `SELECT id, app_device_id FROM device WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    for (const row of rows) found.set(Number(row.id), Number(row.app_device_id ?? row.id));
    return found;
  }

  /** The device with this id, if any. */
  async find(id: number): Promise<Device | undefined> {
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT ${COLUMNS} FROM device WHERE id = ?`,
      [id],
    );
    return rows[0] ? toDevice(rows[0]) : undefined;
  }
}
