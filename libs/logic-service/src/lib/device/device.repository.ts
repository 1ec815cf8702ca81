import { Database, sqlDateTime } from '@gim/storage';
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

  /** The device with this id, if any. */
  async find(id: number): Promise<Device | undefined> {
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT ${COLUMNS} FROM device WHERE id = ?`,
      [id],
    );
    return rows[0] ? toDevice(rows[0]) : undefined;
  }
}
