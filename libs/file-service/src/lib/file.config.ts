import { IsBoolean, IsIn, IsInt, IsString, Matches, Max, Min, ValidateBy } from 'class-validator';
import { CommonConfig, IsHostPort, IsPublicUrlBase } from '@gim/config';
import { IsDatabaseUrl } from '@gim/storage';
import { DEFAULT_ALLOWED_TYPES, FILE_TYPES } from './file-types';

const MIB = 1024 * 1024;

function unknownTypes(value: unknown): string[] {
  if (typeof value !== 'string') return ['(not a list)'];
  const known = new Set(FILE_TYPES.map((type) => type.contentType));
  const listed = value.split(',').map((type) => type.trim());
  return listed.filter((type) => !known.has(type));
}

/** Settings of the file service (chat files over HTTP). Property names are the environment variables. */
export class FileConfig extends CommonConfig {
  /** host:port the HTTP server listens on. */
  @IsHostPort()
  GIM_FILE_HTTP_URL: string = '0.0.0.0:8085';

  /** The metadata database: mysql://user:password@host:port/db (or mariadb://…), or sqlite:<file path>. */
  @IsDatabaseUrl()
  GIM_FILE_DB_URL: string = 'mysql://root@127.0.0.1:3306/gim';

  /** Run sql/file.sql (idempotent) at boot on MySQL. */
  @IsBoolean({ message: 'GIM_FILE_APPLY_SCHEMA must be true or false' })
  GIM_FILE_APPLY_SCHEMA: boolean = true;

  /** Folder of the file store (a persistent volume in Kubernetes); created when missing. */
  @IsString()
  @Matches(/\S/, { message: 'GIM_FILE_DIR must name a folder' })
  GIM_FILE_DIR: string = './data/files';

  /** Largest file accepted, in bytes; a larger upload is cut off and refused with 413. */
  @IsInt({ message: 'GIM_FILE_MAX_BYTES must be a whole number of bytes' })
  @Min(1)
  @Max(16 * 1024 * MIB)
  GIM_FILE_MAX_BYTES: number = 20 * MIB;

  /** Media types accepted, comma-separated; every one must be a type the service recognises from the bytes. */
  @ValidateBy({
    name: 'knownFileTypes',
    validator: {
      validate: (value: unknown) => unknownTypes(value).length === 0,
      defaultMessage: (args) =>
        `GIM_FILE_ALLOWED_TYPES names types the service cannot recognise: ${unknownTypes(args?.value).join(', ')} ` +
        `(known: ${FILE_TYPES.map((type) => type.contentType).join(', ')})`,
    },
  })
  GIM_FILE_ALLOWED_TYPES: string = DEFAULT_ALLOWED_TYPES.join(',');

  /** Start of the URLs uploads answer with: an http(s) URL or a path ('/chat'); '' = http://<listen address>. */
  @IsPublicUrlBase()
  GIM_FILE_PUBLIC_URL: string = '';

  /** Who may download: public (anyone holding the URL, as the Go gim) or app (signed-in users of the uploader's app). */
  @IsIn(['public', 'app'], { message: 'GIM_FILE_DOWNLOADS must be public or app' })
  GIM_FILE_DOWNLOADS: string = 'public';

  /** Bytes of the volume always kept free: an upload that might eat into them is refused with 507. */
  @IsInt({ message: 'GIM_FILE_RESERVE_BYTES must be a whole number of bytes' })
  @Min(0)
  GIM_FILE_RESERVE_BYTES: number = 64 * MIB;

  /** Web origins allowed to call the service from a browser (CORS), comma-separated; '*' for any; '' for none. */
  @IsString()
  GIM_FILE_CORS_ORIGINS: string = '';

  /** host:port of the business service's gRPC server, which checks the callers' tokens. */
  @IsHostPort()
  GIM_BUSINESS_GRPC_ADDR: string = '127.0.0.1:8020';
}

/** The allowed media types of a config. */
export function allowedTypes(config: FileConfig): ReadonlySet<string> {
  return new Set(config.GIM_FILE_ALLOWED_TYPES.split(',').map((type) => type.trim()));
}
