// gRPC plumbing every gim app shares: server options, typed promise clients, the internal credential,
// caller identity from metadata, request validation, and the edge mapping of errors to gRPC statuses.
export {
  INTERNAL_METADATA_KEY,
  APP_CREDENTIAL_METADATA_KEY,
  USER_ID_KEY,
  DEVICE_ID_KEY,
  TOKEN_KEY,
  REQUEST_ID_KEY,
  metadataString,
  claimedIdentity,
  identityMetadata,
  callDeadline,
  type ClaimedIdentity,
} from './metadata';
export { INTERNAL_SECRET, resolveInternalSecret, secretMatches } from './internal-secret';
export {
  GIM_CODE_KEY,
  GIM_RETRY_AFTER_KEY,
  STATUS_DETAILS_KEY,
  GIM_ERROR_DOMAIN,
  ERROR_INFO_TYPE_URL,
  RETRY_INFO_TYPE_URL,
  gimErrorToGrpc,
  grpcErrorToGim,
  grpcErrorMode,
  statusDetailsOf,
  type GrpcErrorMode,
  type GrpcErrorObject,
  type StatusDetails,
} from './errors';
export { CANONICAL_ERRORS, type CanonicalError } from './canonical-errors';
export { GrpcExceptionFilter } from './exception.filter';
export { InternalGuard } from './internal.guard';
export {
  AppCredentialVerifier,
  DEFAULT_APP_ID,
  IntegratorGuard,
  integratorScope,
  type IntegratorScope,
} from './integrator.guard';
export { validated } from './validate';
export { grpcServerOptions, GRPC_MAX_MESSAGE_BYTES } from './grpc-server';
export {
  grpcClientOptions,
  promiseClient,
  createGrpcClient,
  DEFAULT_DEADLINE_MS,
  type CallSettings,
  type GrpcClient,
  type GrpcClientOptions,
  type GrpcClientProvider,
  type PromiseClient,
} from './grpc-client';
export { instrumentGrpcServer, requestIdOf } from './grpc-instrument';
export { DownstreamHealth } from './grpc-health';
export { GrpcDrain, type ClosableApp } from './grpc-drain';
