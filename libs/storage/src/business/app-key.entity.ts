import { column, defineEntity } from '../columns';

/** A key that verifies the tokens an app's server signs, found by the token's key id (table `app_key`). */
export class AppKeyEntity {
  appId!: number;
  kid!: string;
  alg!: string;
  material!: string;
  createdAt!: Date;
}

defineEntity(AppKeyEntity, {
  table: 'app_key',
  columns: {
    appId: column.u64('app whose tokens the key verifies', { primary: true }),
    kid: column.varchar(64, 'key id, the kid header of the tokens it verifies', { primary: true }),
    alg: column.varchar(16, 'the one algorithm the key verifies: HS256, RS256, ES256 or EdDSA'),
    material: column.varchar(
      4096,
      'HS256: the shared secret (base64url); others: the public key as SPKI PEM',
    ),
    createdAt: column.createdAt(),
  },
});
