import {
  ChannelCredentials,
  Client,
  credentials,
  GrpcObject,
  loadPackageDefinition,
  Metadata,
  MethodDefinition,
  ServiceClientConstructor,
  ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, protoFiles, protoRoot } from '@gim/contracts';
import { Observable } from 'rxjs';
import { GRPC_MAX_MESSAGE_BYTES } from './grpc-server';
import { grpcErrorToGim } from './errors';
import { INTERNAL_METADATA_KEY } from './metadata';

/** A ts-proto client interface (methods returning Observables) turned into promise-returning methods. */
export type PromiseClient<C> = {
  [K in keyof C]: C[K] extends (request: infer Req, ...rest: never[]) => Observable<infer Res>
    ? (request: Req, metadata?: Metadata) => Promise<Res>
    : never;
};

/** Where and how to reach one gRPC service. */
export interface GrpcClientOptions {
  /** host:port of the server */
  address: string;
  /** proto files (relative to proto/) that define the service */
  files: string[];
  /** fully qualified service name, e.g. 'logic.MessageIntService' */
  service: string;
  /** sent as the internal credential on every call when set */
  internalSecret?: string;
  /** per-call deadline; default 5 s */
  deadlineMs?: number;
}

/** A promise client plus a way to close its channel. */
export type GrpcClient<C> = PromiseClient<C> & { close(): void };

function lookupService(root: GrpcObject, name: string): ServiceClientConstructor {
  let node: unknown = root;
  for (const part of name.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function') throw new Error(`gRPC service ${name} not found in its proto files`);
  return node as ServiceClientConstructor;
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/** Opens a channel to one service and returns promise methods named like the ts-proto client (lowerCamelCase). */
export function createGrpcClient<C>(options: GrpcClientOptions): GrpcClient<C> {
  const definition = loadSync(protoFiles(...options.files), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });
  const Ctor = lookupService(loadPackageDefinition(definition), options.service);
  const channelCredentials: ChannelCredentials = credentials.createInsecure();
  const client: Client = new Ctor(options.address, channelCredentials, {
    'grpc.max_receive_message_length': GRPC_MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': GRPC_MAX_MESSAGE_BYTES,
    'grpc.keepalive_time_ms': 30_000,
  });
  const deadlineMs = options.deadlineMs ?? 5_000;
  const methods: Record<string, unknown> = { close: () => client.close() };
  for (const [name, method] of Object.entries(Ctor.service) as [string, MethodDefinition<unknown, unknown>][]) {
    methods[method.originalName ?? lowerFirst(name)] = (request: unknown, metadata: Metadata = new Metadata()): Promise<unknown> => {
      if (options.internalSecret) metadata.set(INTERNAL_METADATA_KEY, options.internalSecret);
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata,
          { deadline: Date.now() + deadlineMs },
          (error: ServiceError | null, response?: unknown) => (error ? reject(grpcErrorToGim(error)) : resolve(response)),
        );
      });
    };
  }
  return methods as GrpcClient<C>;
}
