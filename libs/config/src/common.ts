import { IsIn, IsOptional, IsString, MinLength, ValidateIf } from 'class-validator';

/** How the apps are deployed: one process each with MySQL + Redis, or all in one process with SQLite. */
export type RunMode = 'cluster' | 'standalone';

/** Settings every app reads. Property names are the environment variables. */
export class CommonConfig {
  /** development enables conveniences (a generated internal secret); production requires every secret. */
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: string = 'development';

  /** Shared secret that every internal (*Int*) gRPC call must carry; required outside development. */
  @ValidateIf((config: CommonConfig) => config.NODE_ENV === 'production' || config.GIM_INTERNAL_SECRET !== '')
  @IsString()
  @MinLength(16, { message: 'GIM_INTERNAL_SECRET must be at least 16 characters' })
  GIM_INTERNAL_SECRET: string = '';

  /** Log level: error, warn, log, debug or verbose. */
  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  GIM_LOG_LEVEL: string = 'log';
}
