import { Logger } from '@nestjs/common';
import { Channels, FanoutBus } from '@gim/bus';
import { connectInt } from '@gim/contracts';
import { OutageLog } from '@gim/errors';
import { encodePacket, Message, messagePacket } from '@gim/protocol';
import { MessageBody, wireMessage } from './message';
import { OnlineDevice, PresenceStore } from '../presence/presence';

/** A message for one user's devices: `body` is shared by every recipient of the message, `seq` is the user's. */
export interface UserDelivery {
  userId: number;
  seq: number;
  body: MessageBody;
}

/**
 * Live delivery: resolves users to their online devices, encodes each message once (the bytes every recipient
 * shares; each gateway appends each device's seq), and publishes one batch per gateway on that gateway's channel.
 * Best effort by design; sync is what guarantees delivery.
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
      const encoded = new Map<MessageBody, Buffer>();
      const bytesOf = (body: MessageBody): Buffer => {
        let bytes = encoded.get(body);
        if (bytes === undefined) encoded.set(body, (bytes = encodeWithoutSeq(body)));
        return bytes;
      };
      const batches = new Map<string, Map<MessageBody, connectInt.SeqTarget[]>>();
      for (const { userId, seq, body } of deliveries) {
        for (const device of byUser.get(userId) ?? []) {
          let gateway = batches.get(device.gatewayId);
          if (!gateway) batches.set(device.gatewayId, (gateway = new Map()));
          const targets = gateway.get(body);
          if (targets) targets.push({ deviceId: device.deviceId, seq });
          else gateway.set(body, [{ deviceId: device.deviceId, seq }]);
        }
      }
      await this.bus.publishMany(
        [...batches].map(([gatewayId, messages]) => [
          this.channels.gateway(gatewayId),
          gatewayBatch({
            seqPushes: [...messages].map(([body, targets]) => ({ message: bytesOf(body), targets })),
          }),
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
    await this.bus.publish(
      this.channels.broadcast(),
      gatewayBatch({ pushes: [{ deviceIds: [], packet, appId }] }),
    );
  }

  /** Asks every gateway to close every connection of an app, with a reason the clients read. */
  async closeApp(close: connectInt.AppClose): Promise<void> {
    await this.bus.publish(this.channels.broadcast(), gatewayBatch({ appCloses: [close] }));
  }

  /** Asks a gateway to close one connection, with a reason the client reads. */
  async kick(gatewayId: string, kick: connectInt.Kick): Promise<void> {
    await this.bus.publish(this.channels.gateway(gatewayId), gatewayBatch({ kicks: [kick] }));
  }

  /** Asks a gateway to move one connection into a room (or out of its room), as PC_SUBSCRIBE_ROOM would. */
  async roomJoin(gatewayId: string, join: connectInt.RoomJoin): Promise<void> {
    await this.bus.publish(this.channels.gateway(gatewayId), gatewayBatch({ roomJoins: [join] }));
  }
}

/** A message's bytes without a seq, shared by all its recipients. */
function encodeWithoutSeq(body: MessageBody): Buffer {
  return Buffer.from(Message.encode(wireMessage(body, 0)).finish());
}

/** One GatewayBatch payload holding `parts`. */
function gatewayBatch(parts: Partial<connectInt.GatewayBatch>): Buffer {
  const batch = {
    pushes: [],
    kicks: [],
    appCloses: [],
    roomJoins: [],
    seqPushes: [],
    publishedAtUs: Math.round((performance.timeOrigin + performance.now()) * 1000),
    ...parts,
  };
  return Buffer.from(connectInt.GatewayBatch.encode(batch).finish());
}
