import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { claimedIdentity } from '@gim/rpc';
import { ErrorCode, GimError } from '@gim/errors';
import { DeviceRegistry } from '../user/user';
import { Caller } from './auth';
import { AuthenticateUseCase } from './authenticate.usecase';

const authenticated = new WeakMap<Metadata, Caller>();

/** Authenticates a client-facing call from its metadata (user_id, device_id, token); refuses it with 10000 otherwise. */
@Injectable()
export class ExtAuthGuard implements CanActivate {
  constructor(
    private readonly authenticate: AuthenticateUseCase,
    private readonly devices: DeviceRegistry,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const metadata = context.switchToRpc().getContext<unknown>();
    const claimed = metadata instanceof Metadata ? claimedIdentity(metadata) : undefined;
    if (!(metadata instanceof Metadata) || !claimed) {
      throw new GimError(
        ErrorCode.Unauthorized,
        'unauthorized: user_id, device_id and token metadata are required; sign in first',
      );
    }
    const caller = await this.authenticate.execute(claimed);
    // An app's token names the device by the app's id: find (or register) it, as the long connection does.
    if (caller.deviceId === 0) {
      caller.deviceId = await this.devices.resolveAppDevice(caller.userId, caller.appDeviceId);
    }
    authenticated.set(metadata, caller);
    return true;
  }
}

/** The caller ExtAuthGuard authenticated for this call; fails closed (10000) when the guard did not run. */
export function authenticatedCaller(metadata: Metadata | undefined): Caller {
  const caller = metadata ? authenticated.get(metadata) : undefined;
  if (!caller) throw new GimError(ErrorCode.Unauthorized, 'unauthorized: the call was not authenticated');
  return caller;
}
