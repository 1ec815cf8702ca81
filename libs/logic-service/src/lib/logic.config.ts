import { IsBoolean, IsIn, IsInt, IsString, Max, Min, ValidateIf } from 'class-validator';
import { CommonConfig, DEFAULT_REDIS_PREFIX, DEFAULT_REDIS_URL, IsHostPort, IsRedisUrl } from '@gim/config';
import { IsDatabaseUrl } from '@gim/storage';

/** logic's settings; property names are the environment variables. */
export class LogicConfig extends CommonConfig {
  /** Where logic serves gRPC (host:port). */
  @IsHostPort()
  GIM_LOGIC_GRPC_URL: string = '0.0.0.0:8010';

  /** logic's database: mysql://user:pass@host:port/db or sqlite:<file>. */
  @IsDatabaseUrl()
  GIM_LOGIC_DB_URL: string = 'mysql://root@127.0.0.1:3306/gim';

  /** Apply sql/logic.sql (idempotent) at boot on MySQL. */
  @IsBoolean()
  GIM_LOGIC_APPLY_SCHEMA: boolean = true;

  /** Where presence and the fan-out bus live: redis (cluster) or memory (standalone, one process). */
  @IsIn(['redis', 'memory'])
  GIM_PRESENCE: string = 'redis';

  /** Redis for presence and fan-out. */
  @ValidateIf((config: LogicConfig) => config.GIM_PRESENCE === 'redis')
  @IsRedisUrl()
  GIM_REDIS_URL: string = DEFAULT_REDIS_URL;

  /** Prefix of every Redis key and channel, so deployments can share a Redis. */
  @IsString()
  GIM_REDIS_PREFIX: string = DEFAULT_REDIS_PREFIX;

  /** business's gRPC address (host:port), for token checks and sender profiles. */
  @IsHostPort()
  GIM_BUSINESS_GRPC_ADDR: string = '127.0.0.1:8020';

  /** Messages per sync page when the client asks for 0. */
  @IsInt()
  @Min(1)
  @Max(1000)
  GIM_SYNC_PAGE_DEFAULT: number = 100;

  /** Largest sync page a client may ask for. */
  @IsInt()
  @Min(1)
  @Max(1000)
  GIM_SYNC_PAGE_MAX: number = 500;

  /** Most members a group may have: every group message writes one inbox row per member. */
  @IsInt()
  @Min(2)
  @Max(100_000)
  GIM_GROUP_MAX_MEMBERS: number = 1000;

  /** Messages each room keeps for catch-up after a reconnect. */
  @IsInt()
  @Min(1)
  @Max(100_000)
  GIM_ROOM_HISTORY_MAX: number = 1000;

  /** Seconds a room message stays in the room's history. */
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 3600)
  GIM_ROOM_HISTORY_SECONDS: number = 600;

  /** Milliseconds a room's non-priority messages may wait to leave together (0: each leaves at once). */
  @IsInt()
  @Min(0)
  @Max(1000)
  GIM_ROOM_MERGE_MS: number = 10;

  /** Room messages a user may send per second over the long connection. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  GIM_ROOM_SEND_PER_SECOND: number = 10;

  /** Room messages that may wait to be sent in one logic process; beyond it pushes get 10501 (busy, retry). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  GIM_ROOM_QUEUE_MAX: number = 50_000;

  /** Largest message body accepted, in bytes; with its envelope it must fit a client frame (64 KiB by default). */
  @IsInt()
  @Min(1)
  @Max(4 * 1024 * 1024)
  GIM_MAX_CONTENT_BYTES: number = 56 * 1024;

  /** Bytes of messages (content and envelope) per sync page; a page always holds at least one. Keeps replies within a client frame. */
  @IsInt()
  @Min(1024)
  @Max(4 * 1024 * 1024)
  GIM_SYNC_PAGE_MAX_BYTES: number = 56 * 1024;

  /** Messages that may wait for a group commit; beyond it sends are refused at once with 10501 (busy, retry). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  GIM_STORE_QUEUE_MAX: number = 10_000;

  /** While the oldest message waiting for a group commit has waited longer than this, sends get 10501 at once. */
  @IsInt()
  @Min(1)
  @Max(60_000)
  GIM_STORE_MAX_WAIT_MS: number = 250;

  /** Group commits in flight at once per logic process. */
  @IsInt()
  @Min(1)
  @Max(64)
  GIM_STORE_CONCURRENCY: number = 2;

  /** Messages committed together in one transaction at most. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  GIM_STORE_BATCH_MAX: number = 500;

  /** Database connection pool size (MySQL). */
  @IsInt()
  @Min(1)
  @Max(500)
  GIM_LOGIC_DB_POOL: number = 20;
}
