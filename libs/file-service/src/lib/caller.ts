import type { IncomingHttpHeaders } from 'node:http';
import { businessUserInt } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { DEFAULT_APP_ID, PromiseClient } from '@gim/rpc';

/** Who a request is from, once authenticated. */
export interface Caller {
  appId: number;
  /** gim's id of the user */
  userId: number;
}

/** What a request claims: the ids as the client names them (0 = the token's, for an app's token) and a token. */
export interface Credentials {
  userId: number;
  deviceId: number;
  token: string;
}

// The names of the gRPC metadata of Ext calls, and x-gim-* twins for proxies that drop headers with underscores.
const USER_ID = ['user_id', 'x-gim-user-id'];
const DEVICE_ID = ['device_id', 'x-gim-device-id'];
const TOKEN = ['token', 'x-gim-token'];

function header(headers: IncomingHttpHeaders, names: readonly string[]): string {
  for (const name of names) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== '') return first.trim();
  }
  return '';
}

function id(headers: IncomingHttpHeaders, names: readonly string[]): number {
  const text = header(headers, names);
  if (text === '') return 0;
  const value = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(value)) {
    throw new GimError(ErrorCode.Unauthorized, `unauthorized: ${names[0]} must be a decimal id`);
  }
  return value;
}

/** The credentials in a request's headers (`user_id`, `device_id`, `token`); 10000 when there is no token. */
export function credentialsFrom(headers: IncomingHttpHeaders): Credentials {
  const token = header(headers, TOKEN);
  if (token === '') {
    throw new GimError(
      ErrorCode.Unauthorized,
      'unauthorized: user_id, device_id and token headers are required; sign in first',
    );
  }
  return { userId: id(headers, USER_ID), deviceId: id(headers, DEVICE_ID), token };
}

/** Checks credentials: the caller they sign in, or a GimError (10000, 10310–10317; 10500 when it cannot tell). */
export abstract class CallerAuthenticator {
  abstract authenticate(credentials: Credentials): Promise<Caller>;
}

function isTokenRefusal(code: ErrorCode): boolean {
  return code >= ErrorCode.TokenExpired && code <= ErrorCode.AppNotFound;
}

/** Asks business (`UserIntService.Auth`, internal credential), exactly as the Ext services are authenticated. */
export class BusinessAuthenticator extends CallerAuthenticator {
  constructor(private readonly users: PromiseClient<businessUserInt.UserIntServiceClient>) {
    super();
  }

  override async authenticate(credentials: Credentials): Promise<Caller> {
    try {
      const reply = await this.users.auth(credentials);
      return { appId: reply.appId || DEFAULT_APP_ID, userId: reply.userId };
    } catch (error) {
      if (
        !(error instanceof GimError) ||
        error.code === ErrorCode.Unavailable ||
        error.code === ErrorCode.Busy
      ) {
        throw error;
      }
      throw new GimError(isTokenRefusal(error.code) ? error.code : ErrorCode.Unauthorized, error.message);
    }
  }
}
