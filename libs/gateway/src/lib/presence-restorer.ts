import { ErrorCode } from '@gim/errors';
import { encodePacket, PacketCommand } from '@gim/protocol';
import type { GatewayCore } from './core/gateway-core';
import type { LogicClient } from './logic-client';

/** Connections per RestorePresence call (logic accepts up to 1000). */
export const RESTORE_BATCH = 500;

/** PC_SYNC_NOTICE has no content, so its encoding is the same for every connection and every restore. */
const SYNC_NOTICE = encodePacket({
  requestId: '',
  command: PacketCommand.PC_SYNC_NOTICE,
  content: Buffer.alloc(0),
  seq: 0,
});

const SIGNED_IN_ELSEWHERE = 'signed in on another connection';

/** What one restore did. */
export interface RestoreOutcome {
  /** Connections logic now records on this gateway. */
  recorded: number;
  /** Connections closed with 10405 because their device is recorded elsewhere by now. */
  moved: number;
}

/**
 * Rebuilds this gateway's part of logic's presence after it may have been lost (Redis data loss, a lapsed
 * lease): re-records every signed-in connection in batches, closes those whose device has meanwhile signed
 * in elsewhere (10405), then sends every signed-in connection one PC_SYNC_NOTICE, since pushes may have been
 * missed while presence was missing.
 */
export class PresenceRestorer {
  constructor(
    private readonly core: GatewayCore,
    private readonly logic: LogicClient,
    private readonly gatewayId: string,
    private readonly batchSize = RESTORE_BATCH,
  ) {}

  /** Runs one restore; rejects when a RestorePresence call fails (no PC_SYNC_NOTICE is sent then). */
  async restore(): Promise<RestoreOutcome> {
    const held = [...this.core.registry.signedIn()].filter(
      (connection) => connection.state === 'signed-in' && connection.identity !== undefined,
    );
    let moved = 0;
    for (let start = 0; start < held.length; start += this.batchSize) {
      const batch = held.slice(start, start + this.batchSize);
      const reply = await this.logic.restorePresence({
        gatewayId: this.gatewayId,
        connections: batch.map((connection) => ({
          userId: connection.identity?.userId ?? 0,
          deviceId: connection.identity?.deviceId ?? 0,
          connId: connection.id,
        })),
      });
      for (const elsewhere of reply.moved) {
        this.core.kick(
          elsewhere.deviceId,
          elsewhere.connId,
          ErrorCode.SignedInElsewhere,
          SIGNED_IN_ELSEWHERE,
        );
        moved++;
      }
      // A connection that closed while its batch was in flight may have been re-recorded after its Offline.
      for (const connection of batch) if (connection.state === 'closed') this.core.reportOffline(connection);
    }
    this.core.pushEncoded(SYNC_NOTICE, 'all');
    return { recorded: held.length - moved, moved };
  }
}
