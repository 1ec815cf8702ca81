import assert from 'node:assert/strict';
import type { businessAppInt, businessUserExt, logicGroup, logicGroupExt } from '@gim/contracts';
import { createGrpcClient, type GrpcClient } from '@gim/rpc';
import { DEV_CODE, type Deployment } from './deployment';
import { TestConnection } from './test-connection';

/** A user signed in on one device through business, as a client holds it. */
export interface Session {
  userId: number;
  deviceId: number;
  token: string;
}

/** A client of the deployment's business.UserExtService (sign-in, profiles); close it when done. */
export function userExtClient(gim: Deployment): GrpcClient<businessUserExt.UserExtServiceClient> {
  return createGrpcClient({
    address: `127.0.0.1:${gim.ports.business}`,
    files: ['business/user.ext.proto'],
    service: 'business.UserExtService',
  });
}

/** A client of the deployment's business.AppIntService with its internal credential (the operator's view of apps). */
export function appIntClient(gim: Deployment): GrpcClient<businessAppInt.AppIntServiceClient> {
  return createGrpcClient({
    address: `127.0.0.1:${gim.ports.business}`,
    files: ['business/app.int.proto'],
    service: 'business.AppIntService',
    internalSecret: gim.internalSecret,
  });
}

/** A client of the deployment's logic.GroupExtService (groups as their members see them); close it when done. */
export function groupExtClient(gim: Deployment): GrpcClient<logicGroupExt.GroupExtServiceClient> {
  return createGrpcClient({
    address: `127.0.0.1:${gim.ports.logic}`,
    files: ['logic/group.ext.proto'],
    service: 'logic.GroupExtService',
  });
}

/** A group profile named `name`, the rest empty, as CreateGroup and the integrator's Create take it. */
export function groupProfile(name: string) {
  return { id: 0, name, avatarUrl: '', introduction: '', extra: '', memberCount: 0, dissolved: false };
}

/** A client of logic.GroupIntService with these credentials (the deployment's internal secret when none are given). */
export function groupIntClient(
  gim: Deployment,
  credentials: { internalSecret?: string; appCredential?: string } = { internalSecret: gim.internalSecret },
): GrpcClient<logicGroup.GroupIntServiceClient> {
  return createGrpcClient({
    address: `127.0.0.1:${gim.ports.logic}`,
    files: ['logic/group.int.proto'],
    service: 'logic.GroupIntService',
    ...credentials,
  });
}

/** Signs a phone number in with the development code; device id 0 registers a new device. */
export async function phoneSignIn(
  users: GrpcClient<businessUserExt.UserExtServiceClient>,
  phoneNumber: string,
  device: { id?: number; type?: number } = {},
): Promise<Session> {
  const reply = await users.signIn({
    phoneNumber,
    code: DEV_CODE,
    device: {
      id: device.id ?? 0,
      type: device.type ?? 1,
      brand: 'test',
      model: 'e2e',
      systemVersion: '1',
      sdkVersion: '1',
      branchPushId: '',
    },
  });
  return { userId: reply.userId, deviceId: reply.deviceId, token: reply.token };
}

/** Opens a long connection to one of the deployment's gateways and signs it in as `session` (asserting success). */
export async function connectSignedIn(
  gim: Deployment,
  transport: 'tcp' | 'ws',
  session: Session,
): Promise<TestConnection> {
  const connection =
    transport === 'tcp' ? await TestConnection.tcp(gim.ports.tcp) : await TestConnection.ws(gim.ports.ws);
  const reply = await connection.signIn(session.userId, session.deviceId, session.token);
  if (reply.code !== 0) connection.close();
  assert.equal(reply.code, 0, `sign-in failed: ${reply.message}`);
  return connection;
}
