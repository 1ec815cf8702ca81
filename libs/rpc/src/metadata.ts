import { Metadata } from '@grpc/grpc-js';

/** Metadata key carrying the internal credential on every *Int* call. */
export const INTERNAL_METADATA_KEY = 'x-gim-internal';
/** Metadata key carrying an app's integrator credential on the integrator calls of *Int* services. */
export const APP_CREDENTIAL_METADATA_KEY = 'x-gim-app-credential';
/** Metadata keys identifying the caller of a client-facing (*Ext*) call. */
export const USER_ID_KEY = 'user_id';
export const DEVICE_ID_KEY = 'device_id';
export const TOKEN_KEY = 'token';
/** Optional metadata key a client sets to trace one request through the logs. */
export const REQUEST_ID_KEY = 'request_id';

/** The first string value of a metadata key, or '' when absent. */
export function metadataString(metadata: Metadata | undefined, key: string): string {
  const value = metadata?.get(key)[0];
  if (value === undefined) return '';
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** The caller identity a client-facing call claims; still to be authenticated. */
export interface ClaimedIdentity {
  userId: number;
  deviceId: number;
  token: string;
}

/** Reads user_id, device_id and token; undefined when any is missing or not a positive integer. */
export function claimedIdentity(metadata: Metadata | undefined): ClaimedIdentity | undefined {
  const userId = Number(metadataString(metadata, USER_ID_KEY));
  const deviceId = Number(metadataString(metadata, DEVICE_ID_KEY));
  const token = metadataString(metadata, TOKEN_KEY);
  if (!Number.isSafeInteger(userId) || userId <= 0) return undefined;
  if (!Number.isSafeInteger(deviceId) || deviceId <= 0) return undefined;
  if (token === '') return undefined;
  return { userId, deviceId, token };
}

/** Metadata for a client-facing call made as the given identity. */
export function identityMetadata(identity: ClaimedIdentity, requestId?: string): Metadata {
  const metadata = new Metadata();
  metadata.set(USER_ID_KEY, String(identity.userId));
  metadata.set(DEVICE_ID_KEY, String(identity.deviceId));
  metadata.set(TOKEN_KEY, identity.token);
  if (requestId) metadata.set(REQUEST_ID_KEY, requestId);
  return metadata;
}

/** When the caller of a gRPC call gives up, in epoch ms (from the call's deadline); Infinity when it set none. */
export function callDeadline(call: unknown): number {
  const getDeadline = (call as { getDeadline?: () => Date | number } | undefined)?.getDeadline;
  if (typeof getDeadline !== 'function') return Number.POSITIVE_INFINITY;
  const deadline = getDeadline.call(call);
  const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY;
}
