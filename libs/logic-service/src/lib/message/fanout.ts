import { Logger } from '@nestjs/common';
import { Channels, FanoutBus } from '@gim/bus';
import { connectInt } from '@gim/contracts';
import { OutageLog } from '@gim/errors';
import { encodePacket, Message, messagePacket } from '@gim/protocol';
import { OnlineDevice, PresenceStore } from '../presence/presence';

/** A message for one user's devices. */
export interface UserDelivery {
  userId: number;
  message: Message;
}

/**
 * Live delivery: resolves users to their online devices, encodes each distinct packet once, and publishes
 * one batch per gateway on that gateway's channel. Best effort by design; sync is what guarantees delivery.
 */
export class Fanout {
  private readonly logger = new Logger('fanout');
  private pending: { deliveries: UserDelivery[]; published: Promise<void> } | undefined;
  private readonly outages = new OutageLog((line) =>
    this.logger.warn(`${line}; live pushes skipped, receivers will sync`),
  );

  constructor(
    private readonly bus: FanoutBus,
    private readonly channels: Channels,
    private readonly presence: PresenceStore,
  ) {}

  /**
   * Pushes each user's message to that user's online devices; failures are logged, never thrown. The
   * deliveries asked for in one I/O phase (e.g. every message of a group commit) share one presence lookup and
   * one publish; the promise settles once they are published.
   */
  toUsers(deliveries: readonly UserDelivery[]): Promise<void> {
    if (this.pending === undefined) {
      const batch: UserDelivery[] = [];
      const published = new Promise<void>((resolve) =>
        setImmediate(() => {
          this.pending = undefined;
          void this.deliver(batch).then(resolve);
        }),
      );
      this.pending = { deliveries: batch, published };
    }
    for (const delivery of deliveries) this.pending.deliveries.push(delivery);
    return this.pending.published;
  }

  private async deliver(deliveries: readonly UserDelivery[]): Promise<void> {
    try {
      const devices = await this.presence.onlineDevices([
        ...new Set(deliveries.map((delivery) => delivery.userId)),
      ]);
      if (devices.length === 0) return;
      const byUser = new Map<number, OnlineDevice[]>();
      for (const device of devices) {
        const list = byUser.get(device.userId);
        if (list) list.push(device);
        else byUser.set(device.userId, [device]);
      }
      const batches = new Map<string, connectInt.FramedPush[]>();
      for (const delivery of deliveries) {
        const targets = byUser.get(delivery.userId);
        if (!targets) continue;
        const packet = encodePacket(messagePacket(delivery.message));
        const perGateway = new Map<string, number[]>();
        for (const device of targets) {
          const ids = perGateway.get(device.gatewayId);
          if (ids) ids.push(device.deviceId);
          else perGateway.set(device.gatewayId, [device.deviceId]);
        }
        for (const [gatewayId, deviceIds] of perGateway) {
          const pushes = batches.get(gatewayId);
          const push = { deviceIds, packet, appId: 0 };
          if (pushes) pushes.push(push);
          else batches.set(gatewayId, [push]);
        }
      }
      await this.bus.publishMany(
        [...batches].map(([gatewayId, pushes]) => [
          this.channels.gateway(gatewayId),
          Buffer.from(
            connectInt.GatewayBatch.encode({ pushes, kicks: [], appCloses: [], roomJoins: [] }).finish(),
          ),
        ]),
      );
      this.outages.recovered('fan-out');
    } catch (error) {
      this.outages.failed('fan-out', error instanceof Error ? error.message : String(error));
    }
  }

  /** Pushes a message to every connected device of one app through the broadcast channel. */
  async toAll(appId: number, message: Message): Promise<void> {
    const packet = encodePacket(messagePacket(message));
    const batch = connectInt.GatewayBatch.encode({
      pushes: [{ deviceIds: [], packet, appId }],
      kicks: [],
      appCloses: [],
      roomJoins: [],
    }).finish();
    await this.bus.publish(this.channels.broadcast(), Buffer.from(batch));
  }

  /** Asks every gateway to close every connection of an app, with a reason the clients read. */
  async closeApp(close: connectInt.AppClose): Promise<void> {
    const batch = connectInt.GatewayBatch.encode({
      pushes: [],
      kicks: [],
      appCloses: [close],
      roomJoins: [],
    }).finish();
    await this.bus.publish(this.channels.broadcast(), Buffer.from(batch));
  }

  /** Asks a gateway to close one connection, with a reason the client reads. */
  async kick(gatewayId: string, kick: connectInt.Kick): Promise<void> {
    const batch = connectInt.GatewayBatch.encode({
      pushes: [],
      kicks: [kick],
      appCloses: [],
      roomJoins: [],
    }).finish();
    await this.bus.publish(this.channels.gateway(gatewayId), Buffer.from(batch));
  }

  /** Asks a gateway to move one connection into a room (or out of its room), as PC_SUBSCRIBE_ROOM would. */
  async roomJoin(gatewayId: string, join: connectInt.RoomJoin): Promise<void> {
    const batch = connectInt.GatewayBatch.encode({
      pushes: [],
      kicks: [],
      appCloses: [],
      roomJoins: [join],
    }).finish();
    await this.bus.publish(this.channels.gateway(gatewayId), Buffer.from(batch));
  }
}
