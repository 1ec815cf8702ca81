import { IsIn, IsOptional, IsString, MinLength, ValidateBy, ValidateIf } from 'class-validator';

/** The internal credential used outside production when none is configured; published, so production refuses it. */
export const DEVELOPMENT_INTERNAL_SECRET = 'gim-development-only-internal-secret';

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
  @ValidateBy({
    name: 'notTheDevelopmentSecret',
    validator: {
      validate: (value: unknown, args) =>
        (args?.object as CommonConfig).NODE_ENV !== 'production' || value !== DEVELOPMENT_INTERNAL_SECRET,
      defaultMessage: () =>
        'GIM_INTERNAL_SECRET must not be the development secret published in the source when NODE_ENV=production',
    },
  })
  GIM_INTERNAL_SECRET: string = '';

  /** Log level: error, warn, log, debug or verbose. */
  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  GIM_LOG_LEVEL: string = 'log';
}
