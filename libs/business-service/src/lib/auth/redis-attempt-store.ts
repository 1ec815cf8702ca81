import { instrumentRedis } from '@gim/ops';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ErrorCode, GimError, OutageLog } from '@gim/errors';
import { AttemptLimit, AttemptStore, Reservation } from './attempt-store';

/**
 * KEYS: the counters; ARGV[1]: window in ms; ARGV[i + 1]: max of KEYS[i]. Returns {0, ms left} when a counter
 * is full, else {1, new counts…}. A counter found without expiry (never expected) gets a fresh window.
 */
const RESERVE = `local window = tonumber(ARGV[1])
local blocked = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local left = redis.call('PTTL', key)
    if left < 0 then
      redis.call('PEXPIRE', key, window)
      left = window
    end
    if left > blocked then blocked = left end
  end
end
if blocked > 0 then return {0, blocked} end
local result = {1}
for _, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, window) end
  result[#result + 1] = count
end
return result`;

/** KEYS: the counters; takes one slot back from each that exists, deleting it at zero. */
const RELEASE = `for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and redis.call('DECR', key) <= 0 then redis.call('DEL', key) end
end
return 0`;

interface AttemptCommands {
  gimReserveAttempt(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  gimReleaseAttempt(numberOfKeys: number, ...keys: string[]): Promise<number>;
}

/** The name outages are logged under. */
const DEPENDENCY = 'Redis (sign-in attempt counters)';

/** How long one Redis command may take before the sign-in is answered 10500. */
const COMMAND_TIMEOUT_MS = 2000;

/**
 * AttemptStore in Redis, shared by every business process (cluster mode): each reservation is one Lua
 * script (check, INCR, PEXPIRE) in one round trip; keys live under the configured prefix. Redis being
 * unreachable fails the call with 10500 (Unavailable), logged once per outage burst.
 */
export class RedisAttemptStore extends AttemptStore {
  private readonly redis: Redis & AttemptCommands;
  private readonly outages = new OutageLog((line) =>
    new Logger('sign-in-attempts').warn(`${line}; sign-ins answer 10500 meanwhile`),
  );

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    super();
    const redis = instrumentRedis(
      new Redis(url, { maxRetriesPerRequest: 2, commandTimeout: COMMAND_TIMEOUT_MS }),
      'sign-in limiter',
    );
    redis.defineCommand('gimReserveAttempt', { lua: RESERVE });
    redis.defineCommand('gimReleaseAttempt', { lua: RELEASE });
    redis.on('error', (error: Error) => this.outages.failed(DEPENDENCY, error.message));
    this.redis = redis as Redis & AttemptCommands;
  }

  override async reserve(limits: readonly AttemptLimit[], windowMs: number): Promise<Reservation> {
    const keys = limits.map(({ key }) => this.prefix + key);
    const maxes = limits.map(({ max }) => max);
    const [granted = 0, ...rest] = await this.call(() =>
      this.redis.gimReserveAttempt(keys.length, ...keys, windowMs, ...maxes),
    );
    return granted === 1
      ? { granted: true, counts: rest }
      : { granted: false, retryAfterMs: rest[0] ?? windowMs };
  }

  override async release(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.call(() => this.redis.gimReleaseAttempt(keys.length, ...keys.map((key) => this.prefix + key)));
  }

  override async clear(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.call(() => this.redis.del(...keys.map((key) => this.prefix + key)));
  }

  override async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      const result = await command();
      this.outages.recovered(DEPENDENCY);
      return result;
    } catch (error) {
      this.outages.failed(DEPENDENCY, error instanceof Error ? error.message : String(error));
      throw new GimError(
        ErrorCode.Unavailable,
        'temporarily unavailable: sign-in attempts cannot be counted; retry',
      );
    }
  }
}
