// The fan-out bus between logic and the gateways: Redis pub/sub (cluster) or in-process (standalone).
export { FanoutBus, Channels, type BusHandler } from './bus';
export { MemoryBus } from './memory-bus';
export { RedisBus } from './redis-bus';
