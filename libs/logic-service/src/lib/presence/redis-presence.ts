import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { decodeLocation, DeviceLocation, encodeLocation, OnlineDevice, PresenceStore } from './presence';

/** Replaces a device's location and returns the previous one. */
const SET_ONLINE = `local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return old`;

/** Deletes a device's location only when it still equals ARGV[2]. */
const SET_OFFLINE = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0`;

/** How long a gateway's liveness, once read, is trusted without asking Redis again. */
const LIVENESS_CACHE_MS = 1000;

interface PresenceCommands {
  gimSetOnline(key: string, deviceId: string, location: string): Promise<string | null>;
  gimSetOffline(key: string, deviceId: string, location: string): Promise<number>;
}

interface PresencePipeline {
  gimSetOffline(key: string, deviceId: string, location: string): unknown;
}

/**
 * Presence in Redis for cluster mode: a hash per user (device id → gateway#conn) and a lease key per
 * gateway. Lookups batch every user in one pipeline; dead gateways' entries are pruned lazily.
 */
export class RedisPresence extends PresenceStore {
  private readonly redis: Redis & PresenceCommands;
  private readonly logger = new Logger('presence');
  private readonly liveness = new Map<string, { alive: boolean; checkedAt: number }>();

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    super();
    const redis = new Redis(url, { maxRetriesPerRequest: 2 });
    redis.defineCommand('gimSetOnline', { numberOfKeys: 1, lua: SET_ONLINE });
    redis.defineCommand('gimSetOffline', { numberOfKeys: 1, lua: SET_OFFLINE });
    this.redis = redis as Redis & PresenceCommands;
  }

  async setOnline(
    userId: number,
    deviceId: number,
    location: DeviceLocation,
  ): Promise<DeviceLocation | undefined> {
    const previous = await this.redis.gimSetOnline(
      this.userKey(userId),
      String(deviceId),
      encodeLocation(location),
    );
    return decodeLocation(previous);
  }

  async setOffline(userId: number, deviceId: number, location: DeviceLocation): Promise<void> {
    await this.redis.gimSetOffline(this.userKey(userId), String(deviceId), encodeLocation(location));
  }

  async onlineDevices(userIds: readonly number[]): Promise<OnlineDevice[]> {
    if (userIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.hgetall(this.userKey(userId));
    const results = (await pipeline.exec()) ?? [];
    const candidates: OnlineDevice[] = [];
    results.forEach(([error, hash], index) => {
      if (error) throw error;
      const userId = userIds[index] ?? 0;
      for (const [deviceId, value] of Object.entries(hash as Record<string, string>)) {
        const location = decodeLocation(value);
        if (location) candidates.push({ userId, deviceId: Number(deviceId), ...location });
      }
    });
    if (candidates.length === 0) return [];
    const alive = await this.aliveGateways(new Set(candidates.map((device) => device.gatewayId)));
    const online = candidates.filter((device) => alive.has(device.gatewayId));
    if (online.length !== candidates.length)
      this.prune(candidates.filter((device) => !alive.has(device.gatewayId)));
    return online;
  }

  async renewLease(gatewayId: string, seconds: number): Promise<void> {
    if (seconds <= 0) {
      await this.redis.del(this.leaseKey(gatewayId));
      this.liveness.set(gatewayId, { alive: false, checkedAt: Date.now() });
    } else {
      await this.redis.set(this.leaseKey(gatewayId), '1', 'PX', seconds * 1000);
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  private async aliveGateways(gatewayIds: Set<string>): Promise<Set<string>> {
    const now = Date.now();
    const alive = new Set<string>();
    const unknown: string[] = [];
    for (const gatewayId of gatewayIds) {
      const cached = this.liveness.get(gatewayId);
      if (cached && now - cached.checkedAt < LIVENESS_CACHE_MS) {
        if (cached.alive) alive.add(gatewayId);
      } else {
        unknown.push(gatewayId);
      }
    }
    if (unknown.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const gatewayId of unknown) pipeline.exists(this.leaseKey(gatewayId));
      const results = (await pipeline.exec()) ?? [];
      unknown.forEach((gatewayId, index) => {
        const [error, exists] = results[index] ?? [new Error('missing pipeline result'), 0];
        if (error) throw error;
        const isAlive = exists === 1;
        this.liveness.set(gatewayId, { alive: isAlive, checkedAt: now });
        if (isAlive) alive.add(gatewayId);
      });
    }
    return alive;
  }

  private prune(stale: OnlineDevice[]): void {
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & PresencePipeline;
    for (const device of stale) {
      pipeline.gimSetOffline(this.userKey(device.userId), String(device.deviceId), encodeLocation(device));
    }
    pipeline
      .exec()
      .catch((error: unknown) => this.logger.warn(`pruning stale presence failed: ${String(error)}`));
  }

  private userKey(userId: number): string {
    return `${this.prefix}pres:${userId}`;
  }

  private leaseKey(gatewayId: string): string {
    return `${this.prefix}lease:${gatewayId}`;
  }
}
