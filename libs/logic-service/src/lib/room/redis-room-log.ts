import { instrumentRedis } from '@gim/ops';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { OutageLog, unavailable, watchReconnecting } from '@gim/errors';
import {
  AppendResult,
  OVER_RATE,
  ROOM_SEQ_PER_MS,
  ROOM_STATE_TTL_MS,
  RoomEntry,
  RoomLog,
  RoomLogLimits,
  RoomWindow,
  SEND_WINDOW_US,
  sendInterval,
} from './room-log';

// Lua numbers are doubles: seqs stay below 2^53, and are turned into strings with %d (tostring would print 1e+15).
const VARINT = `local function varint(n)
  local out = {}
  while n >= 128 do
    out[#out + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  out[#out + 1] = string.char(n)
  return table.concat(out)
end`;

// Drops history entries older than the cutoff (ARGV[cutoffArg]) from the head; entries are "seq:storedAt:message".
const DROP_AGED = `local function dropAged(list, cutoff)
  while true do
    local head = redis.call('LINDEX', list, 0)
    if not head then return end
    local at = tonumber(string.match(head, '^%d+:(%d+):'))
    if at >= cutoff then return end
    redis.call('LPOP', list)
  end
end`;

/**
 * KEYS: 1 room state hash (seq, base), 2 history list, 3.. dedupe and send-rate keys.
 * ARGV: 1 channel, 2 now (ms), 3 max messages, 4 max age ms, 5 state ttl ms, 6 send window (µs), 7 entry count,
 * then per entry (message without seq, dedupe key index into KEYS or 0, created_at, send-rate key index or 0,
 * send interval µs).
 * A room without state starts a new history: the list left from a lost one (the state evicted or expired alone)
 * is dropped, as its seqs mean nothing in the new one. Per entry: a stored dedupe key answers with its result;
 * else a sender whose send slots are taken gets "r" (GCRA: a sender's slot key holds its next due time in µs,
 * never more than the window ahead of now); else the message is appended with the
 * next seq. Then trims the history, publishes one RoomBatch (field 1, repeated bytes) and returns
 * "seq:created_at" or "r" per entry. The state outlives the history: both TTLs are renewed on every append.
 */
const APPEND = `${VARINT}
${DROP_AGED}
local now = tonumber(ARGV[2])
local nowUs = now * 1000
local window = tonumber(ARGV[6])
local function takeSlot(key, interval)
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < nowUs then tat = nowUs end
  local due = tat + interval
  if due - nowUs > window then return false end
  redis.call('SET', key, string.format('%d', due), 'PX', math.ceil((due - nowUs) / 1000) + 1)
  return true
end
local last = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if last == 0 then
  redis.call('DEL', KEYS[2])
  local base = now * ${ROOM_SEQ_PER_MS}
  redis.call('HSET', KEYS[1], 'base', string.format('%d', base))
  last = base - 1
end
local results, batch = {}, {}
for i = 1, tonumber(ARGV[7]) do
  local at = 8 + (i - 1) * 5
  local dedupe = tonumber(ARGV[at + 1])
  local rate = tonumber(ARGV[at + 3])
  local prior = false
  if dedupe > 0 then prior = redis.call('GET', KEYS[dedupe]) end
  if prior then
    results[i] = prior
  elseif rate > 0 and not takeSlot(KEYS[rate], tonumber(ARGV[at + 4])) then
    results[i] = 'r'
  else
    last = last + 1
    local seq = string.format('%d', last)
    local message = ARGV[at] .. '\\32' .. varint(last)
    redis.call('RPUSH', KEYS[2], seq .. ':' .. ARGV[2] .. ':' .. message)
    batch[#batch + 1] = '\\10' .. varint(#message) .. message
    results[i] = seq .. ':' .. ARGV[at + 2]
    if dedupe > 0 then redis.call('SET', KEYS[dedupe], results[i], 'PX', ARGV[4]) end
  end
end
redis.call('HSET', KEYS[1], 'seq', string.format('%d', last))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
dropAged(KEYS[2], now - tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if #batch > 0 then redis.call('PUBLISH', ARGV[1], table.concat(batch)) end
return results`;

/**
 * KEYS: 1 room state hash, 2 history list. ARGV: 1 after, 2 limit, 3 cutoff (entries stored before it are gone).
 * Returns {last, base, length, messages after ARGV[1]...}. A list without state is from a lost history: it is
 * dropped and the room reads as one without state (the next append starts a new history).
 */
const READ = `${DROP_AGED}
local state = redis.call('HMGET', KEYS[1], 'seq', 'base')
if not state[1] then
  redis.call('DEL', KEYS[2])
  return {'0', '0', 0}
end
dropAged(KEYS[2], tonumber(ARGV[3]))
local last = tonumber(state[1])
local length = redis.call('LLEN', KEYS[2])
local out = {state[1], state[2] or '0', length}
local limit = tonumber(ARGV[2])
if limit == 0 or length == 0 then return out end
local from = tonumber(ARGV[1]) + 1 - (last - length + 1)
if from < 0 then from = 0 end
if from >= length then return out end
local entries = redis.call('LRANGE', KEYS[2], from, from + limit - 1)
for i = 1, #entries do
  out[#out + 1] = string.sub(entries[i], #string.match(entries[i], '^%d+:%d+:') + 1)
end
return out`;

interface RoomCommands {
  gimRoomAppend(...args: Array<string | number | Buffer>): Promise<string[]>;
  gimRoomReadBuffer(...args: Array<string | number>): Promise<Array<Buffer | number>>;
}

/**
 * Rooms in Redis: a hash (seq, base), a list (history), retry keys and senders' send slots per room, one Lua
 * script per append or read.
 */
export class RedisRoomLog extends RoomLog {
  private readonly redis: Redis & RoomCommands;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly limits: RoomLogLimits,
    private readonly now: () => number = Date.now,
  ) {
    super();
    const redis = instrumentRedis(new Redis(url, { maxRetriesPerRequest: 2 }), 'rooms');
    redis.defineCommand('gimRoomAppend', { lua: APPEND });
    redis.defineCommand('gimRoomRead', { numberOfKeys: 2, lua: READ });
    watchReconnecting(redis, 'room Redis', new OutageLog((line) => new Logger('rooms').warn(line)));
    this.redis = redis as Redis & RoomCommands;
  }

  async append(
    channel: string,
    appId: number,
    roomId: number,
    entries: readonly RoomEntry[],
  ): Promise<AppendResult[]> {
    const room = this.roomKey(appId, roomId);
    const keys: string[] = [`${room}:m`, `${room}:h`];
    const args: Array<string | number | Buffer> = [
      channel,
      this.now(),
      this.limits.maxMessages,
      this.limits.maxAgeMs,
      ROOM_STATE_TTL_MS,
      SEND_WINDOW_US,
      entries.length,
    ];
    for (const { message, dedupeKey, createdAt, sender } of entries) {
      let dedupe = 0;
      if (dedupeKey !== undefined) {
        keys.push(`${room}:c:${dedupeKey}`);
        dedupe = keys.length;
      }
      let rate = 0;
      if (sender !== undefined) {
        keys.push(`${room}:r:${sender.userId}`);
        rate = keys.length;
      }
      args.push(message, dedupe, createdAt, rate, sender === undefined ? 0 : sendInterval(sender.perSecond));
    }
    let results: string[];
    try {
      results = await this.redis.gimRoomAppend(keys.length, ...keys, ...args);
    } catch (error) {
      throw unavailable('room history', error);
    }
    return results.map((result) => {
      if (result === 'r') return OVER_RATE;
      const [seq, createdAt] = result.split(':');
      return { seq: Number(seq), createdAt: Number(createdAt) };
    });
  }

  async read(appId: number, roomId: number, after: number, limit: number): Promise<RoomWindow> {
    const room = this.roomKey(appId, roomId);
    let reply: Array<Buffer | number>;
    try {
      reply = await this.redis.gimRoomReadBuffer(
        `${room}:m`,
        `${room}:h`,
        after,
        limit,
        this.now() - this.limits.maxAgeMs,
      );
    } catch (error) {
      throw unavailable('room history', error);
    }
    const [last, base, length, ...messages] = reply;
    return {
      last: Number(String(last)),
      base: Number(String(base)),
      length: Number(length),
      messages: messages.filter((message): message is Buffer => Buffer.isBuffer(message)),
    };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  // One hash slot per room (Redis Cluster): a script touches only the room's keys, its senders' send slots included.
  private roomKey(appId: number, roomId: number): string {
    return `${this.prefix}room:{${appId}:${roomId}}`;
  }
}
