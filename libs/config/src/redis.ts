import { Matches, ValidationOptions } from 'class-validator';

/** The Redis every app uses unless told otherwise. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The prefix of every Redis key and channel unless told otherwise. */
export const DEFAULT_REDIS_PREFIX = 'gim:';

/** Validates a setting holding a Redis URL: redis://… or rediss://… (TLS). */
export function IsRedisUrl(validationOptions?: ValidationOptions): PropertyDecorator {
  return Matches(/^rediss?:\/\/\S+$/, {
    message: (args) => `${args.property} must be a redis:// or rediss:// URL`,
    ...validationOptions,
  });
}
