import { ReflectionService } from '@grpc/reflection';
import { GrpcOptions, Transport } from '@nestjs/microservices';
import { PROTO_LOADER_OPTIONS, protoFiles, protoRoot } from '@gim/contracts';
import type { OpsServer } from '@gim/ops';
import { instrumentGrpcServer } from './grpc-instrument';

/** Largest gRPC message accepted, in bytes. */
export const GRPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** What servers and clients share: address, proto packages and files, loader options, message size limits. */
export function grpcTransportOptions(
  url: string,
  packages: string[],
  files: string[],
): GrpcOptions['options'] {
  return {
    url,
    package: packages,
    protoPath: protoFiles(...files),
    loader: { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] },
    maxReceiveMessageLength: GRPC_MAX_MESSAGE_BYTES,
    maxSendMessageLength: GRPC_MAX_MESSAGE_BYTES,
  };
}

/**
 * Nest microservice options serving the given proto packages (e.g. ['logic']) on `url` (host:port), with gRPC
 * server reflection (grpc.reflection.v1 and v1alpha) describing them, so grpcurl-style tools list and call them,
 * grpc.health.v1 from `ops`, and every call run under its request id and counted in the gRPC metrics.
 */
export function grpcServerOptions(
  url: string,
  packages: string[],
  files: string[],
  ops?: OpsServer,
): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      ...grpcTransportOptions(url, packages, files),
      onLoadPackageDefinition: (
        definition: ConstructorParameters<typeof ReflectionService>[0],
        server: unknown,
      ) => {
        instrumentGrpcServer(server, ops);
        new ReflectionService(definition).addToServer(
          server as Parameters<ReflectionService['addToServer']>[0],
        );
      },
    },
  };
}
