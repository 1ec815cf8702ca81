import { GatewayLogger } from './core/logger';
import type { LogicClient } from './logic-client';

/** Keeps this gateway's presence lease at logic alive: renewed at start and every third of its lifetime. */
export class GatewayLease {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly logic: LogicClient,
    private readonly gatewayId: string,
    private readonly leaseSeconds: number,
    private readonly logger: GatewayLogger,
  ) {}

  /** Renews once (a failure is logged, not thrown), then keeps renewing. */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew(), (this.leaseSeconds * 1_000) / 3);
    this.timer.unref();
  }

  /** Stops renewing and drops the lease (lease_seconds 0). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.logic.renewGatewayLease({ gatewayId: this.gatewayId, leaseSeconds: 0 });
    } catch (error) {
      this.logger.warn(`dropping the gateway lease failed: ${String(error)}`);
    }
  }

  private async renew(): Promise<void> {
    try {
      await this.logic.renewGatewayLease({ gatewayId: this.gatewayId, leaseSeconds: this.leaseSeconds });
      if (this.failing) this.logger.log('gateway lease renewed again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`renewing the gateway lease failed (retrying): ${String(error)}`);
      this.failing = true;
    }
  }
}
