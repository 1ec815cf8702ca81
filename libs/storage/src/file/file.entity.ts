import { column, defineEntity } from '../columns';

/** What the file service knows of one uploaded file; the bytes live in its file store (table `file`). */
export class FileEntity {
  id!: number;
  name!: string;
  appId!: number;
  userId!: number;
  size!: number;
  contentType!: string;
  sha256!: Buffer;
  createdAt!: Date;
}

defineEntity(FileEntity, {
  table: 'file',
  columns: {
    id: column.autoId("file id; orders a user's uploads"),
    name: column.varchar(
      64,
      'stored name: 32 random hex digits, a dot and the extension of the sniffed type; the URL carries it',
    ),
    appId: column.u64('app of the uploader'),
    userId: column.u64('uploading user (user id inside gim)'),
    size: column.u64('length in bytes'),
    contentType: column.varchar(64, 'media type sniffed from the bytes'),
    sha256: column.binary(32, 'SHA-256 of the bytes (the ETag)'),
    createdAt: column.createdAt(),
  },
  indices: [
    { name: 'uk_file_name', columns: ['name'], unique: true },
    { name: 'idx_file_app_user', columns: ['appId', 'userId', 'id'] },
  ],
});
