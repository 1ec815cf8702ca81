import { metrics } from '@gim/ops';
import { PacketCommand } from '@gim/protocol';

/** The gateway's Prometheus metrics for one transport, label children looked up once. */
export class GatewayMetrics {
  private readonly connections;
  private readonly signIns;
  private readonly deliveries;
  private readonly slowReaders;
  private readonly pushLatency;
  private readonly received = new Map<number, { inc(value?: number): void }>();
  private readonly sent = new Map<number, { inc(value?: number): void }>();

  constructor(private readonly transport: string) {
    this.connections = metrics.connections.labels(transport);
    this.signIns = metrics.signIns.labels(transport);
    this.deliveries = metrics.deliveries.labels(transport);
    this.slowReaders = metrics.slowReaderDisconnects.labels(transport);
    this.pushLatency = metrics.pushLatency.labels(transport);
  }

  /** A connection opened (+1) or went (-1). */
  connection(change: 1 | -1): void {
    this.connections.inc(change);
  }

  /** A device signed in, or was refused with `code`. */
  signIn(code: number): void {
    if (code === 0) this.signIns.inc();
    else metrics.signInFailures.labels(this.transport, String(code)).inc();
  }

  /** A packet came in. */
  packetIn(command: number): void {
    this.counter(this.received, metrics.packetsReceived, command).inc();
  }

  /** `count` packets of `command` were queued to clients; PC_MESSAGE ones count as deliveries too. */
  packetsOut(command: number, count = 1): void {
    if (count === 0) return;
    this.counter(this.sent, metrics.packetsSent, command).inc(count);
    if (command === PacketCommand.PC_MESSAGE) this.deliveries.inc(count);
  }

  /** A connection was closed for reading too slowly. */
  slowReader(): void {
    this.slowReaders.inc();
  }

  /** A bus batch published at `publishedAtUs` (µs since the epoch) has been written out. */
  pushed(publishedAtUs: number): void {
    if (publishedAtUs <= 0) return;
    const seconds = ((performance.timeOrigin + performance.now()) * 1000 - publishedAtUs) / 1e6;
    if (seconds >= 0) this.pushLatency.observe(seconds);
  }

  private counter(
    cache: Map<number, { inc(value?: number): void }>,
    metric: typeof metrics.packetsReceived,
    command: number,
  ): { inc(value?: number): void } {
    let child = cache.get(command);
    if (child === undefined) {
      child = metric.labels(this.transport, PacketCommand[command] ?? String(command));
      cache.set(command, child);
    }
    return child;
  }
}
