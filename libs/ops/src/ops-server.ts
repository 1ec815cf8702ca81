import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { HealthImplementation } from 'grpc-health-check';
import { parseHostPort } from '@gim/config';
import { collectProcessMetrics, exposition } from './metrics';

/** How long one readiness check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 2_000;

/** Something /readyz asks: resolves when the dependency answers, rejects (or times out) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

/**
 * A process's operations surface: HTTP `/healthz` (alive), `/readyz` (every dependency answers and the process is
 * not draining), `/metrics` (Prometheus), and the grpc.health.v1 service its gRPC servers add.
 */
export class OpsServer {
  /** The grpc.health.v1 implementation every gRPC server of this process serves. */
  readonly health = new HealthImplementation({ '': 'SERVING' });
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly grpcServices = new Set<string>();
  private draining = false;
  private server: Server | undefined;

  /** Adds a dependency /readyz asks about, by name (e.g. `logic database`). */
  addCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Declares a gRPC service this process serves, so health checks may name it. */
  addGrpcService(name: string): void {
    this.grpcServices.add(name);
    this.health.setStatus(name, this.draining ? 'NOT_SERVING' : 'SERVING');
  }

  /** From now on /readyz answers 503 and gRPC health NOT_SERVING, so load balancers send nothing new. */
  startDraining(): void {
    this.draining = true;
    this.health.setStatus('', 'NOT_SERVING');
    for (const name of this.grpcServices) this.health.setStatus(name, 'NOT_SERVING');
  }

  /** Whether the process is draining. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Every check's outcome ('ok' or why not) and whether all passed and the process is not draining. */
  async readiness(): Promise<{ ready: boolean; draining: boolean; checks: Record<string, string> }> {
    const names = [...this.checks.keys()];
    const outcomes = await Promise.all(
      [...this.checks.values()].map((check) =>
        withTimeout(check(), CHECK_TIMEOUT_MS).then(() => 'ok', describe),
      ),
    );
    const checks = Object.fromEntries(names.map((name, i) => [name, outcomes[i] ?? 'ok']));
    const ready = !this.draining && outcomes.every((outcome) => outcome === 'ok');
    return { ready, draining: this.draining, checks };
  }

  /** Listens on `host:port` (port 0: any); resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    collectProcessMetrics();
    const server = createServer((request, response) => void this.handle(request, response));
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host === '' ? undefined : host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** The bound port (0 before listen). */
  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return reply(response, 405, 'application/json', '{"error":"only GET"}');
    }
    try {
      switch (path) {
        case '/healthz':
          return reply(response, 200, 'application/json', '{"status":"ok"}');
        case '/readyz': {
          const readiness = await this.readiness();
          const body = JSON.stringify({
            status: readiness.ready ? 'ready' : readiness.draining ? 'draining' : 'not ready',
            checks: readiness.checks,
          });
          return reply(response, readiness.ready ? 200 : 503, 'application/json', body);
        }
        case '/metrics': {
          const { contentType, body } = await exposition();
          return reply(response, 200, contentType, body);
        }
        default:
          return reply(
            response,
            404,
            'application/json',
            '{"error":"not found: /healthz, /readyz, /metrics"}',
          );
      }
    } catch (error) {
      reply(response, 500, 'application/json', JSON.stringify({ error: describe(error) }));
    }
  }
}

function reply(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The ops server a service reports to, and how to let go of it. */
export interface ServiceOps {
  ops: OpsServer;
  /** Closes the server if the service opened it (a shared one is closed by its owner). */
  close(): Promise<void>;
}

/** The ops server given (standalone mode shares one), or a new one listening on `listen` (host:port). */
export async function serviceOps(given: OpsServer | undefined, listen: string): Promise<ServiceOps> {
  if (given) return { ops: given, close: async () => undefined };
  const address = parseHostPort(listen);
  if (!address) throw new Error(`not a host:port: ${listen}`);
  const ops = new OpsServer();
  await ops.listen(address.host, address.port);
  return { ops, close: () => ops.close() };
}
