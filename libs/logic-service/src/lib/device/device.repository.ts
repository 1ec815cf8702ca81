import { DataSource } from 'typeorm';
import { Dialect, Mutex, sqlDateTime, storageError } from '../storage/sql';
import { Device } from './device';

/** Devices table access. */
export class DeviceRepository {
  private readonly sqliteLock = new Mutex();

  constructor(
    private readonly dataSource: DataSource,
    private readonly dialect: Dialect,
  ) {}

  /** Updates the device when `device.id` exists, otherwise creates one; returns its id. */
  async save(device: Device): Promise<number> {
    const now = sqlDateTime(Date.now());
    const fields = [
      device.userId,
      device.type,
      device.brand,
      device.model,
      device.systemVersion,
      device.sdkVersion,
      device.branchPushId,
    ];
    if (device.id > 0 && (await this.find(device.id))) {
      await this.query(
        'UPDATE device SET user_id = ?, type = ?, brand = ?, model = ?, system_version = ?, sdk_version = ?, ' +
          'branch_push_id = ?, updated_at = ? WHERE id = ?',
        [...fields, now, device.id],
      );
      return device.id;
    }
    const insert =
      'INSERT INTO device (user_id, type, brand, model, system_version, sdk_version, branch_push_id, created_at, updated_at) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
    if (this.dialect === 'sqlite') {
      const [row] = (await this.query(`${insert} RETURNING id`, [...fields, now, now])) as { id: number }[];
      return Number(row?.id);
    }
    const result = (await this.query(insert, [...fields, now, now])) as { insertId: number };
    return Number(result.insertId);
  }

  /** The device with this id, if any. */
  async find(id: number): Promise<Device | undefined> {
    const rows = (await this.query(
      'SELECT id, user_id, type, brand, model, system_version, sdk_version, branch_push_id FROM device WHERE id = ?',
      [id],
    )) as Record<string, unknown>[];
    const row = rows[0];
    if (!row) return undefined;
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

  private async query(sql: string, params: unknown[]): Promise<unknown> {
    const run = () => this.dataSource.query(sql, params) as Promise<unknown>;
    try {
      return await (this.dialect === 'sqlite' ? this.sqliteLock.run(run) : run());
    } catch (error) {
      throw storageError(error);
    }
  }
}
