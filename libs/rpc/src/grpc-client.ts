import { Metadata } from '@grpc/grpc-js';
import { ClientGrpc, ClientGrpcProxy, GrpcOptions, Transport } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { currentRequestId, newRequestId } from '@gim/ops';
import { grpcErrorToGim } from './errors';
import { grpcTransportOptions } from './grpc-server';
import { APP_CREDENTIAL_METADATA_KEY, INTERNAL_METADATA_KEY, REQUEST_ID_KEY } from './metadata';

/** A ts-proto client interface (methods returning Observables) turned into promise-returning methods. */
export type PromiseClient<C> = {
  [K in keyof C]: C[K] extends (request: infer Req, ...rest: never[]) => Observable<infer Res>
    ? (request: Req, metadata?: Metadata) => Promise<Res>
    : never;
};

/** Per-call deadline of a promise client unless configured otherwise. */
export const DEFAULT_DEADLINE_MS = 5_000;

/** What every call of a promise client carries. */
export interface CallSettings {
  /** sent as the internal credential on every call when set (calls to *Int* services) */
  internalSecret?: string;
  /** sent as an app's integrator credential on every call when set (integrator calls acting in one app) */
  appCredential?: string;
  /** per-call deadline; default 5 s */
  deadlineMs?: number;
}

/** ClientsModule (or ClientProxyFactory) options of one gRPC channel. */
export type GrpcClientProvider = GrpcOptions & { transport: Transport.GRPC };

/** ClientsModule options for the proto `packages` defined in `files`, served at `address` (host:port). */
export function grpcClientOptions(address: string, packages: string[], files: string[]): GrpcClientProvider {
  return {
    transport: Transport.GRPC,
    options: { ...grpcTransportOptions(address, packages, files), keepalive: { keepaliveTimeMs: 30_000 } },
  };
}

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: number },
) => Observable<unknown>;

/**
 * One service of a ClientGrpc as promise methods named like the ts-proto client (e.g. `signIn`): each call
 * carries the settings' credential and deadline and the current request id (a new one outside any request),
 * and fails with grpcErrorToGim's mapping of the gRPC error.
 */
export function promiseClient<C>(
  grpc: ClientGrpc,
  service: string,
  settings: CallSettings = {},
): PromiseClient<C> {
  const { internalSecret, appCredential } = settings;
  const deadlineMs = settings.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const client: Record<string, (request: unknown, metadata?: Metadata) => Promise<unknown>> = {};
  for (const [name, method] of Object.entries(grpc.getService<Record<string, UnaryMethod>>(service))) {
    client[name] = (request, metadata = new Metadata()) => {
      if (internalSecret) metadata.set(INTERNAL_METADATA_KEY, internalSecret);
      if (appCredential) metadata.set(APP_CREDENTIAL_METADATA_KEY, appCredential);
      if (metadata.get(REQUEST_ID_KEY).length === 0)
        metadata.set(REQUEST_ID_KEY, currentRequestId() ?? newRequestId());
      return new Promise((resolve, reject) => {
        method(request, metadata, { deadline: Date.now() + deadlineMs }).subscribe({
          next: resolve,
          error: (error: unknown) => reject(grpcErrorToGim(error)),
        });
      });
    };
  }
  return client as PromiseClient<C>;
}

/** Where and how to reach one gRPC service from code that is not a Nest module (scripts, tests). */
export interface GrpcClientOptions extends CallSettings {
  /** host:port of the server */
  address: string;
  /** proto files (relative to proto/) that define the service */
  files: string[];
  /** fully qualified service name, e.g. 'logic.MessageIntService' */
  service: string;
}

/** A promise client plus a way to close its channel. */
export type GrpcClient<C> = PromiseClient<C> & { close(): void };

/**
 * A promise client owning its own ClientGrpc, for code outside a Nest module; inside one, register
 * grpcClientOptions with ClientsModule (Nest then closes the channel) and wrap the injected ClientGrpc.
 */
export function createGrpcClient<C>(options: GrpcClientOptions): GrpcClient<C> {
  const dot = options.service.lastIndexOf('.');
  const packageName = options.service.slice(0, Math.max(dot, 0));
  const proxy = new ClientGrpcProxy(grpcClientOptions(options.address, [packageName], options.files).options);
  const client = promiseClient<C>(proxy, options.service.slice(dot + 1), options);
  return Object.assign(client, { close: () => proxy.close() });
}
