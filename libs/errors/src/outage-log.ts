/** Where an OutageLog writes its lines (a Nest logger's warn, console.warn, …). */
export type OutageSink = (line: string) => void;

interface Burst {
  startedAt: number;
  reportedAt: number;
  suppressed: number;
}

/**
 * Logs a failing dependency (database, Redis, another service) once per burst instead of once per call:
 * the first failure is logged, later ones within `intervalMs` are counted, and the count is logged with the
 * next failure after the interval. `recovered` closes the burst with its length.
 */
export class OutageLog {
  private readonly bursts = new Map<string, Burst>();

  constructor(
    private readonly sink: OutageSink,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one failure of `dependency`; logs it when it opens a burst or the interval has passed. */
  failed(dependency: string, detail: string): void {
    const now = this.now();
    const burst = this.bursts.get(dependency);
    if (burst === undefined) {
      this.bursts.set(dependency, { startedAt: now, reportedAt: now, suppressed: 0 });
      this.sink(`${dependency} unavailable: ${detail}`);
      return;
    }
    if (now - burst.reportedAt < this.intervalMs) {
      burst.suppressed++;
      return;
    }
    const folded = burst.suppressed > 0 ? ` (${burst.suppressed} more failures since the last report)` : '';
    this.sink(`${dependency} still unavailable after ${now - burst.startedAt} ms: ${detail}${folded}`);
    burst.reportedAt = now;
    burst.suppressed = 0;
  }

  /** Records a success of `dependency`; ends its burst (logged) if one was open. */
  recovered(dependency: string): void {
    const burst = this.bursts.get(dependency);
    if (burst === undefined) return;
    this.bursts.delete(dependency);
    const folded = burst.suppressed > 0 ? `, ${burst.suppressed} failures not logged separately` : '';
    this.sink(`${dependency} available again after ${this.now() - burst.startedAt} ms${folded}`);
  }
}

/** A client that reconnects by itself and says so with events (an ioredis connection). */
export interface ReconnectingClient {
  on(event: 'error' | 'ready', listener: (error: Error) => void): unknown;
}

/** Logs `client`'s outages through `outages` under `name` (once per burst) and its recovery; returns the client. */
export function watchReconnecting<T extends ReconnectingClient>(
  client: T,
  name: string,
  outages: OutageLog,
): T {
  client.on('error', (error: Error) => outages.failed(name, `${error.message} (reconnecting)`));
  client.on('ready', () => outages.recovered(name));
  return client;
}
