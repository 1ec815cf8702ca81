import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { metrics, newRequestId, OpsServer, withRequestId } from '@gim/ops';
import { REQUEST_ID_KEY } from './metadata';

/** A request id a caller may choose: short, and safe to print in a log line. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The part of a grpc-js Server this module touches. */
interface ServerLike {
  addService(service: Record<string, MethodDefinition>, implementation: Record<string, unknown>): void;
}

interface MethodDefinition {
  path: string;
  originalName?: string;
  requestStream: boolean;
  responseStream: boolean;
}

interface CallLike {
  metadata?: Metadata;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
}

type UnaryCallback = (error: { code?: number } | null, ...rest: unknown[]) => void;

/** The gRPC status name of a numeric code (gim codes, in GIM_GRPC_ERRORS=gim, stay numbers). */
function codeName(code: number | undefined): string {
  const value = code ?? GrpcStatus.UNKNOWN;
  return (GrpcStatus as unknown as Record<number, string>)[value] ?? String(value);
}

/** The request id a call carries in `request_id`, or a new one when it carries none or an unsafe one. */
export function requestIdOf(metadata: Metadata | undefined): string {
  const given = metadata?.get(REQUEST_ID_KEY)[0];
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : newRequestId();
}

/**
 * Makes every handler later added to `server` run under the call's request id (so its logs and the gRPC calls
 * it makes carry it) and record gim_grpc_server_* metrics; adds grpc.health.v1 from `ops` and declares each
 * service to it.
 */
export function instrumentGrpcServer(server: unknown, ops: OpsServer | undefined): void {
  const target = server as ServerLike;
  const addService = target.addService.bind(target);
  target.addService = (service, implementation) => {
    const byName = new Map<string, MethodDefinition>();
    for (const [name, method] of Object.entries(service)) {
      byName.set(name, method);
      if (method.originalName) byName.set(method.originalName, method);
    }
    const wrapped: Record<string, unknown> = {};
    for (const [name, handler] of Object.entries(implementation)) {
      const definition = byName.get(name);
      wrapped[name] =
        definition && typeof handler === 'function'
          ? instrumentHandler(definition, handler as (...args: unknown[]) => unknown)
          : handler;
    }
    const first = Object.values(service)[0];
    const serviceName = first?.path.split('/')[1];
    if (serviceName && ops) ops.addGrpcService(serviceName);
    addService(service, wrapped);
  };
  if (ops) ops.health.addToServer(server as Parameters<OpsServer['health']['addToServer']>[0]);
}

function instrumentHandler(
  definition: MethodDefinition,
  handler: (...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  const [, service = '', method = ''] = definition.path.split('/');
  const duration = metrics.grpcDuration.labels(service, method);
  const finish = (start: number, code: number | undefined) => {
    duration.observe((performance.now() - start) / 1000);
    metrics.grpcHandled.labels(service, method, codeName(code)).inc();
  };
  if (!definition.requestStream && !definition.responseStream) {
    return (call: unknown, callback: unknown) => {
      const start = performance.now();
      const done: UnaryCallback = (error, ...rest) => {
        finish(start, error ? error.code : GrpcStatus.OK);
        (callback as UnaryCallback)(error, ...rest);
      };
      return withRequestId(requestIdOf((call as CallLike).metadata), () => handler(call, done));
    };
  }
  return (call: unknown, ...rest: unknown[]) => {
    const start = performance.now();
    const stream = call as CallLike;
    let ended = false;
    const end = (code: number | undefined) => {
      if (ended) return;
      ended = true;
      finish(start, code);
    };
    stream.on?.('finish', () => end(GrpcStatus.OK));
    stream.on?.('error', (error) => end((error as { code?: number }).code));
    stream.on?.('cancelled', () => end(GrpcStatus.CANCELLED));
    return withRequestId(requestIdOf(stream.metadata), () => handler(call, ...rest));
  };
}
