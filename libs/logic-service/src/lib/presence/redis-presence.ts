import { instrumentRedis } from '@gim/ops';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { OutageLog, unavailable, watchReconnecting } from '@gim/errors';
import {
  decodeLocation,
  DeviceLocation,
  encodeLocation,
  HeldConnection,
  OnlineDevice,
  PresenceStore,
} from './presence';

/** Replaces a device's location and returns the previous one. */
const SET_ONLINE = `local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return old`;

/** Deletes a device's location only when it still equals ARGV[2]. */
const SET_OFFLINE = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0`;

/** Records a device's location unless another one is recorded; 1 when it is recorded there now, else 0. */
const RESTORE = `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
if current == ARGV[2] then return 1 end
return 0`;

/** Sets a lease key with a lifetime in ms; 1 when it did not exist before. Any Redis with Lua, unlike SET GET. */
const RENEW_LEASE = `local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1 - existed`;

/** Restore commands per pipeline round trip. */
const RESTORE_PIPELINE = 500;

/** How long a gateway's liveness, once read, is trusted without asking Redis again. */
const LIVENESS_CACHE_MS = 1000;

interface PresenceCommands {
  gimSetOnline(key: string, deviceId: string, location: string): Promise<string | null>;
  gimSetOffline(key: string, deviceId: string, location: string): Promise<number>;
  gimRenewLease(key: string, milliseconds: number): Promise<number>;
}

interface PresencePipeline {
  gimSetOffline(key: string, deviceId: string, location: string): unknown;
  gimRestore(key: string, deviceId: string, location: string): unknown;
}

/** The replies of a pipeline, throwing the first failed command's error. */
function pipelineReplies(results: Array<[Error | null, unknown]> | null, expected: number): unknown[] {
  if (results === null || results.length !== expected) throw new Error('pipeline aborted');
  return results.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
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
    const redis = instrumentRedis(new Redis(url, { maxRetriesPerRequest: 2 }), 'presence');
    redis.defineCommand('gimSetOnline', { numberOfKeys: 1, lua: SET_ONLINE });
    redis.defineCommand('gimSetOffline', { numberOfKeys: 1, lua: SET_OFFLINE });
    redis.defineCommand('gimRestore', { numberOfKeys: 1, lua: RESTORE });
    redis.defineCommand('gimRenewLease', { numberOfKeys: 1, lua: RENEW_LEASE });
    watchReconnecting(redis, 'presence Redis', new OutageLog((line) => this.logger.warn(line)));
    this.redis = redis as Redis & PresenceCommands;
  }

  async setOnline(
    userId: number,
    deviceId: number,
    location: DeviceLocation,
  ): Promise<DeviceLocation | undefined> {
    try {
      const key = this.userKey(userId);
      return decodeLocation(await this.redis.gimSetOnline(key, String(deviceId), encodeLocation(location)));
    } catch (error) {
      throw unavailable('presence', error);
    }
  }

  async setOffline(userId: number, deviceId: number, location: DeviceLocation): Promise<void> {
    try {
      await this.redis.gimSetOffline(this.userKey(userId), String(deviceId), encodeLocation(location));
    } catch (error) {
      throw unavailable('presence', error);
    }
  }

  async onlineDevices(userIds: readonly number[]): Promise<OnlineDevice[]> {
    try {
      return await this.lookUp(userIds);
    } catch (error) {
      throw unavailable('presence', error);
    }
  }

  async renewLease(gatewayId: string, seconds: number): Promise<boolean> {
    try {
      if (seconds <= 0) {
        await this.redis.del(this.leaseKey(gatewayId));
        this.liveness.set(gatewayId, { alive: false, checkedAt: Date.now() });
        return false;
      }
      const restored = (await this.redis.gimRenewLease(this.leaseKey(gatewayId), seconds * 1000)) === 1;
      this.liveness.set(gatewayId, { alive: true, checkedAt: Date.now() });
      return restored;
    } catch (error) {
      throw unavailable('presence', error);
    }
  }

  async restore(gatewayId: string, connections: readonly HeldConnection[]): Promise<HeldConnection[]> {
    const moved: HeldConnection[] = [];
    try {
      for (let start = 0; start < connections.length; start += RESTORE_PIPELINE) {
        const batch = connections.slice(start, start + RESTORE_PIPELINE);
        const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & PresencePipeline;
        for (const { userId, deviceId, connId } of batch) {
          pipeline.gimRestore(this.userKey(userId), String(deviceId), encodeLocation({ gatewayId, connId }));
        }
        const replies = pipelineReplies(await pipeline.exec(), batch.length);
        batch.forEach((connection, index) => {
          if (replies[index] !== 1) moved.push(connection);
        });
      }
    } catch (error) {
      throw unavailable('presence', error);
    }
    return moved;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  private async lookUp(userIds: readonly number[]): Promise<OnlineDevice[]> {
    if (userIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.hgetall(this.userKey(userId));
    const hashes = pipelineReplies(await pipeline.exec(), userIds.length);
    const candidates: OnlineDevice[] = [];
    hashes.forEach((hash, index) => {
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
      const replies = pipelineReplies(await pipeline.exec(), unknown.length);
      unknown.forEach((gatewayId, index) => {
        const isAlive = replies[index] === 1;
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
