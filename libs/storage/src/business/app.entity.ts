import { column, defineEntity } from '../columns';

/** Values of `app.status`. */
export const AppStatus = { Active: 1, Disabled: 2 } as const;

/** A business served by this gim: its users, keys and credentials belong to it alone (table `app`). */
export class AppEntity {
  id!: number;
  name!: string;
  status!: number;
  settings!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(AppEntity, {
  table: 'app',
  columns: {
    id: column.autoId('app id; 1 is the default app'),
    name: column.varchar(64, 'display name'),
    status: column.tinyint('1 active, 2 disabled', { default: 1 }),
    settings: column.varchar(4096, 'per-app settings as a JSON object', { default: '{}' }),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
});
