import { instrumentRedis } from '@gim/ops';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { OutageLog, watchReconnecting } from '@gim/errors';
import { BusHandler, FanoutBus } from './bus';

const outages = new OutageLog((line) => new Logger('bus').warn(line));

/** Redis pub/sub bus for cluster mode: one connection publishes (pipelined), one subscribes. */
export class RedisBus extends FanoutBus {
  private readonly publisher: Redis;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<BusHandler>>();

  constructor(private readonly url: string) {
    super();
    this.publisher = watchReconnecting(
      instrumentRedis(new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 }), 'bus'),
      'fan-out Redis (publish)',
      outages,
    );
  }

  async publish(channel: string, payload: Buffer): Promise<void> {
    await this.publisher.publish(channel, payload);
  }

  async publishMany(messages: ReadonlyArray<readonly [string, Buffer]>): Promise<void> {
    const [only] = messages;
    if (messages.length === 1 && only) {
      await this.publish(only[0], only[1]);
      return;
    }
    const pipeline = this.publisher.pipeline();
    for (const [channel, payload] of messages) pipeline.publish(channel, payload);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  async subscribe(channel: string, handler: BusHandler): Promise<void> {
    const handlers = this.handlers.get(channel);
    if (handlers) {
      handlers.add(handler);
      return;
    }
    this.handlers.set(channel, new Set([handler]));
    await this.ensureSubscriber().subscribe(channel);
  }

  async unsubscribe(channel: string, handler: BusHandler): Promise<void> {
    const handlers = this.handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return;
    this.handlers.delete(channel);
    await this.subscriber?.unsubscribe(channel);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.publisher.quit(), this.subscriber?.quit()]);
  }

  private ensureSubscriber(): Redis {
    if (!this.subscriber) {
      // ioredis re-subscribes to every channel by itself after a reconnect.
      this.subscriber = watchReconnecting(
        new Redis(this.url, { maxRetriesPerRequest: null }),
        'fan-out Redis (subscribe)',
        outages,
      );
      this.subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => {
        this.handlers.get(channel.toString())?.forEach((handler) => handler(payload));
      });
    }
    return this.subscriber;
  }
}
