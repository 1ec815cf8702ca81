import { GatewayLogger } from './core/logger';
import type { LogicClient } from './logic-client';
import type { RestoreOutcome } from './presence-restorer';

/** What rebuilds this gateway's presence at logic (a PresenceRestorer). */
export interface PresenceRestore {
  restore(): Promise<RestoreOutcome>;
}

/**
 * Keeps this gateway's presence lease at logic alive: renewed at start and every third of its lifetime.
 * When a renewal finds the lease gone (logic's presence data was lost or the lease lapsed), or succeeds
 * after failures, the gateway's presence is restored; a failed restore is retried at the next renewal.
 */
export class GatewayLease {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;
  private restoreDue = false;
  private restoreFailing = false;
  private restoring: Promise<void> | undefined;

  constructor(
    private readonly logic: LogicClient,
    private readonly gatewayId: string,
    private readonly leaseSeconds: number,
    private readonly logger: GatewayLogger,
    private readonly presence: PresenceRestore,
  ) {}

  /** Renews once (a failure is logged, not thrown), then keeps renewing. */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew(), (this.leaseSeconds * 1_000) / 3);
    this.timer.unref();
  }

  /** Stops renewing and drops the lease (lease_seconds 0). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.logic.renewGatewayLease({ gatewayId: this.gatewayId, leaseSeconds: 0 });
    } catch (error) {
      this.logger.warn(`dropping the gateway lease failed: ${String(error)}`);
    }
  }

  /** Renews once, then restores presence if it may have been lost; failures are logged, never thrown. */
  async renew(): Promise<void> {
    try {
      const reply = await this.logic.renewGatewayLease({
        gatewayId: this.gatewayId,
        leaseSeconds: this.leaseSeconds,
      });
      if (this.failing) this.logger.log('gateway lease renewed again');
      if (reply.restored || this.failing) this.restoreDue = true;
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`renewing the gateway lease failed (retrying): ${String(error)}`);
      this.failing = true;
      return;
    }
    if (this.restoreDue && !this.stopped) {
      this.restoring ??= this.restore().finally(() => (this.restoring = undefined));
      await this.restoring;
    }
  }

  private async restore(): Promise<void> {
    this.restoreDue = false;
    try {
      const { recorded, moved } = await this.presence.restore();
      if (recorded + moved > 0 || this.restoreFailing)
        this.logger.log(
          `presence restored: ${recorded} connections re-recorded, ${moved} signed in elsewhere`,
        );
      this.restoreFailing = false;
    } catch (error) {
      this.restoreDue = true;
      if (!this.restoreFailing)
        this.logger.warn(`restoring presence failed (retrying at the next renewal): ${String(error)}`);
      this.restoreFailing = true;
    }
  }
}
