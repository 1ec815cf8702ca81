/** Handler for the payloads published on one channel. */
export type BusHandler = (payload: Buffer) => void;

/**
 * Fan-out between logic and the gateways: publish bytes on a named channel, every subscriber of that
 * channel receives them. Redis pub/sub in cluster mode, an in-process bus in standalone mode.
 * Delivery is best effort (as pub/sub is); correctness comes from sync.
 */
export abstract class FanoutBus {
  /** Publishes one payload on a channel. */
  abstract publish(channel: string, payload: Buffer): Promise<void>;
  /** Publishes several (channel, payload) pairs in one round trip where the transport allows it. */
  abstract publishMany(messages: ReadonlyArray<readonly [channel: string, payload: Buffer]>): Promise<void>;
  /** Starts delivering a channel's payloads to `handler` (a channel may have many); resolves once active. */
  abstract subscribe(channel: string, handler: BusHandler): Promise<void>;
  /** Stops delivering a channel to `handler`; the channel itself is dropped with its last handler. */
  abstract unsubscribe(channel: string, handler: BusHandler): Promise<void>;
  /** Releases connections. */
  abstract close(): Promise<void>;
}

/** Channel names, under a prefix so that several deployments (or test suites) can share one Redis. */
export class Channels {
  constructor(private readonly prefix: string) {}

  /** The channel a gateway listens on for its devices' messages. */
  gateway(gatewayId: string): string {
    return `${this.prefix}gw:${gatewayId}`;
  }

  /** The channel every gateway listens on for messages to all devices, app closes and the like. */
  broadcast(): string {
    return `${this.prefix}all`;
  }

  /** The channel on which business announces changed friendships and blocks (payload `userA:userB`). */
  relations(): string {
    return `${this.prefix}relations`;
  }

  /** A room's channel: only gateways holding a subscriber of the room listen on it. */
  room(appId: number, roomId: number): string {
    return `${this.prefix}room:${appId}:${roomId}`;
  }
}
