import { column, defineEntity } from '../columns';

/** A client device and what it reported about itself (table `device`). */
export class DeviceEntity {
  id!: number;
  userId!: number;
  appDeviceId!: number | null;
  type!: number;
  brand!: string;
  model!: string;
  systemVersion!: string;
  sdkVersion!: string;
  branchPushId!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(DeviceEntity, {
  table: 'device',
  columns: {
    id: column.autoId('device id inside gim'),
    userId: column.u64('user signed in on the device; 0 = none yet', { default: 0 }),
    appDeviceId: column.u64(
      "the device id in its user's app (from the app's token); NULL when gim chose the id, which is then id",
      { nullable: true },
    ),
    type: column.tinyint('device type: 0 default, 1 android, 2 ios, 3 windows, 4 macos, 5 web', {
      default: 0,
    }),
    brand: column.varchar(64, 'manufacturer brand', { default: '' }),
    model: column.varchar(64, 'device model', { default: '' }),
    systemVersion: column.varchar(64, 'operating system version', { default: '' }),
    sdkVersion: column.varchar(64, 'client SDK version', { default: '' }),
    branchPushId: column.varchar(255, 'vendor push-notification token', { default: '' }),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
  indices: [
    { name: 'idx_device_user_id', columns: ['userId'] },
    { name: 'uk_device_user_app_device', columns: ['userId', 'appDeviceId'], unique: true },
  ],
});
