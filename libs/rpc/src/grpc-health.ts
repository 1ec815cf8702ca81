import { credentials, makeGenericClientConstructor, Client } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** How long /readyz waits for a downstream service's health answer. */
const CHECK_DEADLINE_MS = 1_500;

const HealthClient = makeGenericClientConstructor(healthService, 'Health');

/** Asks a downstream gRPC server's grpc.health.v1 whether it serves; one channel, reused by every check. */
export class DownstreamHealth {
  private readonly client: Client & {
    check(
      request: { service: string },
      options: { deadline: number },
      callback: (error: Error | null, reply?: { status?: string | number }) => void,
    ): void;
  };

  constructor(readonly address: string) {
    this.client = new HealthClient(
      address,
      credentials.createInsecure(),
    ) as unknown as DownstreamHealth['client'];
  }

  /** Resolves when the server answers SERVING; rejects with the reason otherwise. */
  check(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.check({ service: '' }, { deadline: Date.now() + CHECK_DEADLINE_MS }, (error, reply) => {
        if (error) return reject(new Error(`${this.address}: ${error.message}`));
        const status = reply?.status;
        if (status === 'SERVING' || status === 1) return resolve();
        reject(new Error(`${this.address}: ${String(status)}`));
      });
    });
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }
}
