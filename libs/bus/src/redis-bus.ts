import { Redis } from 'ioredis';
import { BusHandler, FanoutBus } from './bus';

/** Redis pub/sub bus for cluster mode: one connection publishes (pipelined), one subscribes. */
export class RedisBus extends FanoutBus {
  private readonly publisher: Redis;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, BusHandler>();

  constructor(private readonly url: string) {
    super();
    this.publisher = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
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
    if (this.handlers.has(channel)) throw new Error(`channel ${channel} already has a subscriber on this bus`);
    this.handlers.set(channel, handler);
    await this.ensureSubscriber().subscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
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
      this.subscriber = new Redis(this.url, { maxRetriesPerRequest: null });
      this.subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => {
        this.handlers.get(channel.toString())?.(payload);
      });
    }
    return this.subscriber;
  }
}
