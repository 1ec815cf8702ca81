import { column, defineEntity } from '../columns';

/** The highest seq a device has acknowledged (table `device_ack`). */
export class DeviceAckEntity {
  deviceId!: number;
  userId!: number;
  ack!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(DeviceAckEntity, {
  table: 'device_ack',
  columns: {
    deviceId: column.u64('device id', { primary: true }),
    userId: column.u64('user signed in on the device'),
    ack: column.u64('highest user seq the device holds', { default: 0 }),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
  indices: [{ name: 'idx_device_ack_user_id', columns: ['userId'] }],
});
