import {
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidationArguments,
} from 'class-validator';
import {
  CommonConfig,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_URL,
  IsHostPort,
  IsPublicUrlBase,
  IsRedisUrl,
} from '@gim/config';
import { IsDatabaseUrl } from '@gim/storage';

const THIRTY_DAYS_IN_SECONDS = 30 * 24 * 60 * 60;

/** Settings of the business service (users, sign-in, tokens, friends). Property names are the environment variables. */
export class BusinessConfig extends CommonConfig {
  /** host:port the business gRPC server listens on. */
  @IsHostPort()
  GIM_BUSINESS_GRPC_URL: string = '0.0.0.0:8020';

  /** Database: mysql://user:password@host:port/db (or mariadb://…), or sqlite:<file path>. */
  @IsDatabaseUrl()
  GIM_BUSINESS_DB_URL: string = 'mysql://root@127.0.0.1:3306/gim';

  /** Run sql/business.sql (idempotent) at boot on MySQL. */
  @IsBoolean({ message: 'GIM_BUSINESS_APPLY_SCHEMA must be true or false' })
  GIM_BUSINESS_APPLY_SCHEMA: boolean = true;

  /** host:port of the logic service's gRPC server. */
  @IsHostPort()
  GIM_LOGIC_GRPC_ADDR: string = '127.0.0.1:8010';

  /** host:port of the file app's HTTP server, asked (with the internal credential) who uploaded a moment's files. */
  @IsHostPort()
  GIM_FILE_HTTP_ADDR: string = '127.0.0.1:8085';

  /**
   * Start of the file app's URLs, the file app's own setting (give both the same value): a moment names only URLs
   * `<this>/file/<name>`, and its files are served back under it; '' = http://<GIM_FILE_HTTP_ADDR>.
   */
  @IsPublicUrlBase()
  GIM_FILE_PUBLIC_URL: string = '';

  /** How long a sign-in token stays valid, in seconds. */
  @IsInt({ message: 'GIM_TOKEN_TTL_SECONDS must be a whole number of seconds' })
  @Min(1)
  @Max(365 * 24 * 60 * 60)
  GIM_TOKEN_TTL_SECONDS: number = THIRTY_DAYS_IN_SECONDS;

  /** Development only: the one verification code accepted for every phone number; '' disables it. */
  @ValidateIf((config: BusinessConfig) => config.GIM_DEV_VERIFICATION_CODE !== '')
  @Matches(/^\S{4,32}$/, { message: 'GIM_DEV_VERIFICATION_CODE must be 4 to 32 non-space characters' })
  @ValidateBy({
    name: 'notInProduction',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) =>
        (args?.object as BusinessConfig | undefined)?.NODE_ENV !== 'production',
      defaultMessage: () =>
        'GIM_DEV_VERIFICATION_CODE must be empty when NODE_ENV=production: it would let anyone sign in with any phone number',
    },
  })
  GIM_DEV_VERIFICATION_CODE: string = '';

  /** Who may send one-to-one messages to whom: anyone (default) or friends (the Go gim's rule: others get 10210). Blocks apply under both. */
  @IsIn(['anyone', 'friends'], { message: 'GIM_MESSAGING_RULE must be anyone or friends' })
  GIM_MESSAGING_RULE: string = 'anyone';

  /** Where sign-in misses are counted: redis (shared by every business process) or memory (one process only). */
  @IsIn(['redis', 'memory'], { message: 'GIM_SIGN_IN_LIMITER must be redis or memory' })
  GIM_SIGN_IN_LIMITER: string = 'redis';

  /** Redis holding the sign-in attempt counters (GIM_SIGN_IN_LIMITER=redis). */
  @ValidateIf((config: BusinessConfig) => config.GIM_SIGN_IN_LIMITER === 'redis')
  @IsRedisUrl()
  GIM_REDIS_URL: string = DEFAULT_REDIS_URL;

  /** Prefix of every Redis key, so deployments can share a Redis. */
  @IsString()
  GIM_REDIS_PREFIX: string = DEFAULT_REDIS_PREFIX;

  /** Length of the fixed window in which sign-in misses are counted, in seconds. */
  @IsInt({ message: 'GIM_SIGN_IN_WINDOW_SECONDS must be a whole number of seconds' })
  @Min(1)
  @Max(24 * 60 * 60)
  GIM_SIGN_IN_WINDOW_SECONDS: number = 15 * 60;

  /** Wrong codes allowed per phone number per window; then every code for it is refused until the window ends. */
  @IsInt({ message: 'GIM_SIGN_IN_MAX_MISSES_PER_PHONE must be a whole number' })
  @Min(1)
  @Max(1000)
  GIM_SIGN_IN_MAX_MISSES_PER_PHONE: number = 5;

  /** Wrong codes allowed per client address (IPv4, or IPv6 /64) per window; generous for carrier NAT. */
  @IsInt({ message: 'GIM_SIGN_IN_MAX_MISSES_PER_ADDRESS must be a whole number' })
  @Min(1)
  @Max(1_000_000)
  GIM_SIGN_IN_MAX_MISSES_PER_ADDRESS: number = 100;
}
