import { BusHandler, FanoutBus } from './bus';

/** In-process bus for standalone mode: delivery on the next microtask, same semantics as pub/sub. */
export class MemoryBus extends FanoutBus {
  private readonly handlers = new Map<string, BusHandler>();

  async publish(channel: string, payload: Buffer): Promise<void> {
    const handler = this.handlers.get(channel);
    if (handler) queueMicrotask(() => handler(payload));
  }

  async publishMany(messages: ReadonlyArray<readonly [string, Buffer]>): Promise<void> {
    for (const [channel, payload] of messages) await this.publish(channel, payload);
  }

  async subscribe(channel: string, handler: BusHandler): Promise<void> {
    if (this.handlers.has(channel)) throw new Error(`channel ${channel} already has a subscriber in this process`);
    this.handlers.set(channel, handler);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
