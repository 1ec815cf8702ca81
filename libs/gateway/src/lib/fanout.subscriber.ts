import { BusHandler, Channels, FanoutBus } from '@gim/bus';
import { connectInt } from '@gim/contracts';
import { GatewayCore } from './core/gateway-core';
import { GatewayLogger } from './core/logger';
import { RoomFeed } from './core/rooms';

/** Rooms' channels on the bus: a gateway listens to a room's channel only while it has a subscriber there. */
export class BusRoomFeed implements RoomFeed {
  constructor(
    private readonly bus: FanoutBus,
    private readonly channels: Channels,
  ) {}

  subscribe(appId: number, roomId: number, handler: BusHandler): Promise<void> {
    return this.bus.subscribe(this.channels.room(appId, roomId), handler);
  }

  unsubscribe(appId: number, roomId: number, handler: BusHandler): Promise<void> {
    return this.bus.unsubscribe(this.channels.room(appId, roomId), handler);
  }
}

/**
 * Receives GatewayBatch payloads from the bus (this gateway's channel and the broadcast channel) and hands
 * their pushes, kicks and room joins to the core. A push with no device ids on the broadcast channel goes to everyone.
 */
export class FanoutSubscriber {
  private subscriptions: Array<[channel: string, handler: BusHandler]> = [];

  constructor(
    private readonly bus: FanoutBus,
    private readonly channels: Channels,
    private readonly gatewayId: string,
    private readonly core: GatewayCore,
    private readonly logger: GatewayLogger,
  ) {}

  /** Subscribes to both channels; resolves once the subscriptions are active. */
  async start(): Promise<void> {
    const own: BusHandler = (payload) => this.deliver(payload, false);
    const broadcast: BusHandler = (payload) => this.deliver(payload, true);
    for (const subscription of [
      [this.channels.gateway(this.gatewayId), own],
      [this.channels.broadcast(), broadcast],
    ] as Array<[string, BusHandler]>) {
      await this.bus.subscribe(...subscription);
      this.subscriptions.push(subscription);
    }
  }

  /** Unsubscribes; failures are logged. */
  async stop(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    const results = await Promise.allSettled(
      subscriptions.map(([channel, handler]) => this.bus.unsubscribe(channel, handler)),
    );
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
      this.core.pushEncoded(push.packet, all ? 'all' : push.deviceIds, all ? push.appId : 0);
    }
    for (const push of batch.seqPushes) this.core.pushWithSeqs(push.message, push.targets);
    for (const kick of batch.kicks) this.core.kick(kick.deviceId, kick.connId, kick.code, kick.reason);
    for (const join of batch.roomJoins) this.core.roomJoin(join);
    if (broadcast) {
      for (const close of batch.appCloses) this.core.closeApp(close.appId, close.code, close.reason);
    }
    // The outbound flushes what this batch queued on the next turn of the loop; the latency is read after it.
    if (batch.pushes.length + batch.seqPushes.length > 0 && batch.publishedAtUs > 0) {
      const publishedAtUs = batch.publishedAtUs;
      setImmediate(() => this.core.metrics.pushed(publishedAtUs));
    }
  }
}
