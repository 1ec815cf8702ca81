import { column, defineEntity } from '../columns';

/** One valid integrator credential of an app; an app has at most two at once (table `app_credential`). */
export class AppCredentialEntity {
  appId!: number;
  credentialHash!: Buffer;
  createdAt!: Date;
}

defineEntity(AppCredentialEntity, {
  table: 'app_credential',
  columns: {
    appId: column.u64('app the credential acts for', { primary: true }),
    credentialHash: column.binary(32, 'SHA-256 of the credential; the credential itself is never stored', {
      primary: true,
    }),
    createdAt: column.createdAt(),
  },
});
