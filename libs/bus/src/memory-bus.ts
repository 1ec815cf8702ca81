import { BusHandler, FanoutBus } from './bus';

/** In-process bus for standalone mode: delivery on the next microtask, same semantics as pub/sub. */
export class MemoryBus extends FanoutBus {
  private readonly handlers = new Map<string, Set<BusHandler>>();

  async publish(channel: string, payload: Buffer): Promise<void> {
    const handlers = this.handlers.get(channel);
    if (handlers) queueMicrotask(() => handlers.forEach((handler) => handler(payload)));
  }

  async publishMany(messages: ReadonlyArray<readonly [string, Buffer]>): Promise<void> {
    for (const [channel, payload] of messages) await this.publish(channel, payload);
  }

  async subscribe(channel: string, handler: BusHandler): Promise<void> {
    const handlers = this.handlers.get(channel) ?? new Set<BusHandler>();
    handlers.add(handler);
    this.handlers.set(channel, handlers);
  }

  async unsubscribe(channel: string, handler: BusHandler): Promise<void> {
    const handlers = this.handlers.get(channel);
    handlers?.delete(handler);
    if (handlers?.size === 0) this.handlers.delete(channel);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
