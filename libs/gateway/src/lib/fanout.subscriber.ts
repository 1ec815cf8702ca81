import { BusHandler, Channels, FanoutBus } from '@gim/bus';
import { connectInt } from '@gim/contracts';
import { GatewayCore } from './core/gateway-core';
import { GatewayLogger } from './core/logger';

type Unsubscribe = () => Promise<void>;

interface SharedChannel {
  handlers: Set<BusHandler>;
  ready: Promise<void>;
}

// Several gateways may share one bus in one process (standalone runs a TCP and a WS gateway): each channel
// is subscribed on the bus once and its payloads fan out here to every gateway that listens.
const sharedChannels = new WeakMap<FanoutBus, Map<string, SharedChannel>>();

async function subscribeShared(bus: FanoutBus, channel: string, handler: BusHandler): Promise<Unsubscribe> {
  const channels = sharedChannels.get(bus) ?? new Map<string, SharedChannel>();
  sharedChannels.set(bus, channels);
  let shared = channels.get(channel);
  if (shared === undefined) {
    const handlers = new Set<BusHandler>();
    const ready = bus.subscribe(channel, (payload) => {
      for (const each of handlers) each(payload);
    });
    shared = { handlers, ready };
    channels.set(channel, shared);
    void ready.catch(() => channels.delete(channel));
  }
  await shared.ready;
  shared.handlers.add(handler);
  const { handlers } = shared;
  return async () => {
    if (!handlers.delete(handler) || handlers.size > 0) return;
    channels.delete(channel);
    await bus.unsubscribe(channel);
  };
}

/**
 * Receives GatewayBatch payloads from the bus (this gateway's channel and the broadcast channel) and hands
 * their pushes and kicks to the core. A push with no device ids on the broadcast channel goes to everyone.
 */
export class FanoutSubscriber {
  private unsubscribes: Unsubscribe[] = [];

  constructor(
    private readonly bus: FanoutBus,
    private readonly channels: Channels,
    private readonly gatewayId: string,
    private readonly core: GatewayCore,
    private readonly logger: GatewayLogger,
  ) {}

  /** Subscribes to both channels; resolves once the subscriptions are active. */
  async start(): Promise<void> {
    this.unsubscribes.push(
      await subscribeShared(this.bus, this.channels.gateway(this.gatewayId), (payload) =>
        this.deliver(payload, false),
      ),
    );
    this.unsubscribes.push(
      await subscribeShared(this.bus, this.channels.broadcast(), (payload) => this.deliver(payload, true)),
    );
  }

  /** Unsubscribes; failures are logged. */
  async stop(): Promise<void> {
    const unsubscribes = this.unsubscribes;
    this.unsubscribes = [];
    const results = await Promise.allSettled(unsubscribes.map((unsubscribe) => unsubscribe()));
    for (const result of results) {
      if (result.status === 'rejected') this.logger.warn(`bus unsubscribe failed: ${String(result.reason)}`);
    }
  }

  /** Applies one GatewayBatch payload. */
  deliver(payload: Buffer, broadcast: boolean): void {
    let batch: connectInt.GatewayBatch;
    try {
      batch = connectInt.GatewayBatch.decode(payload);
    } catch (error) {
      this.logger.warn(`dropped an undecodable ${payload.length}-byte bus payload: ${String(error)}`);
      return;
    }
    for (const push of batch.pushes) {
      const all = broadcast && push.deviceIds.length === 0;
      this.core.pushEncoded(push.packet, all ? 'all' : push.deviceIds);
    }
    for (const kick of batch.kicks) this.core.kick(kick.deviceId, kick.connId, kick.code, kick.reason);
  }
}
