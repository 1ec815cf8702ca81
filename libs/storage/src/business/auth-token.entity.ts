import { column, defineEntity } from '../columns';

/** The live sign-in token of one device, stored as its SHA-256 (table `auth_token`). */
export class AuthTokenEntity {
  deviceId!: number;
  userId!: number;
  tokenHash!: Buffer;
  expiresAt!: Date;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(AuthTokenEntity, {
  table: 'auth_token',
  columns: {
    deviceId: column.u64('device the token was issued to; one live token per device', { primary: true }),
    userId: column.u64('user the token signs in'),
    tokenHash: column.binary(32, 'SHA-256 of the token; the token itself is never stored'),
    expiresAt: column.datetime('expiry time (UTC)'),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
  indices: [{ name: 'idx_auth_token_user_id', columns: ['userId'] }],
});
