import { Redis } from 'ioredis';
import { metrics } from './metrics';

/** Records every command `redis` sends in gim_redis_command_duration_seconds under `client`. */
export function instrumentRedis(redis: Redis, client: string): Redis {
  const ok = metrics.redisCommandDuration.labels(client, 'ok');
  const failed = metrics.redisCommandDuration.labels(client, 'error');
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    const start = performance.now();
    command.promise.then(
      () => ok.observe((performance.now() - start) / 1000),
      () => failed.observe((performance.now() - start) / 1000),
    );
    return send(command, stream);
  };
  return redis;
}

/** A readiness check asking Redis at `url` for PING over a connection of its own, failing fast while it is down. */
export function redisReadiness(url: string): { check: () => Promise<unknown>; close: () => Promise<void> } {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  redis.on('error', () => undefined);
  return {
    check: () => redis.ping(),
    close: async () => redis.disconnect(),
  };
}
