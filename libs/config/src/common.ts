import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { IsHostPort } from './host-port';

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

  /** json: one JSON object per line (pino), for log collectors; text: Nest's coloured lines, for a terminal. */
  @IsIn(['json', 'text'], { message: 'GIM_LOG_FORMAT must be json or text' })
  GIM_LOG_FORMAT: string = 'json';

  /** Operations HTTP listen address (/healthz, /readyz, /metrics); empty means the app's own default port. */
  @IsHostPort({ allowEmpty: true })
  GIM_OPS_LISTEN: string = '';

  /**
   * How gRPC errors carry gim codes: canonical (a standard gRPC status, the code in the gim-code trailer and a
   * google.rpc.ErrorInfo detail) or gim (the Go gim's way: the code itself as the status, for old Go clients).
   */
  @IsIn(['canonical', 'gim'], { message: 'GIM_GRPC_ERRORS must be canonical or gim' })
  GIM_GRPC_ERRORS: string = 'canonical';

  /** On SIGTERM, how long in-flight work may take to finish before the process exits anyway. */
  @IsInt()
  @Min(0)
  @Max(600_000)
  GIM_SHUTDOWN_TIMEOUT_MS: number = 20_000;
}
