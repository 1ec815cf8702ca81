import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { ErrorCode, GimError } from '@gim/errors';
import { INTERNAL_SECRET, secretMatches } from './internal-secret';
import { APP_CREDENTIAL_METADATA_KEY, INTERNAL_METADATA_KEY, metadataString } from './metadata';

/** The app every caller with the deployment's internal credential acts in: the Go gim surface's users. */
export const DEFAULT_APP_ID = 1;

/** Checks an app's integrator credential: resolves with the app's id, or fails (10000 invalid, 10313 disabled). */
export abstract class AppCredentialVerifier {
  /** The app the credential acts for. */
  abstract verify(credential: string): Promise<number>;
}

/** Who an integrator call acts for. */
export interface IntegratorScope {
  /** the app whose users the call's ids name; the default app for the internal credential */
  appId: number;
  /** true for the deployment's internal credential, false for an app's credential */
  internal: boolean;
}

const scopes = new WeakMap<Metadata, IntegratorScope>();

/**
 * Admits an integrator call (pushes, users, later groups and rooms) carrying either the internal credential,
 * which acts in the default app, or an app's integrator credential (`x-gim-app-credential`), which acts in that
 * app only; anything else is refused with 10000. The handler reads the scope with integratorScope().
 */
@Injectable()
export class IntegratorGuard implements CanActivate {
  constructor(
    @Inject(INTERNAL_SECRET) private readonly secret: string,
    private readonly apps: AppCredentialVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const metadata = context.switchToRpc().getContext<Metadata | undefined>();
    if (!(metadata instanceof Metadata)) throw unauthorized();
    const internal = metadataString(metadata, INTERNAL_METADATA_KEY);
    const credential = metadataString(metadata, APP_CREDENTIAL_METADATA_KEY);
    if (internal !== '' && credential === '' && secretMatches(internal, this.secret)) {
      scopes.set(metadata, { appId: DEFAULT_APP_ID, internal: true });
      return true;
    }
    if (credential !== '' && internal === '') {
      scopes.set(metadata, { appId: await this.apps.verify(credential), internal: false });
      return true;
    }
    throw unauthorized();
  }
}

function unauthorized(): GimError {
  return new GimError(
    ErrorCode.Unauthorized,
    'unauthorized: an integrator call needs the internal credential or an app credential (not both)',
  );
}

/** The scope IntegratorGuard admitted this call with; fails closed (10000) when the guard did not run. */
export function integratorScope(metadata: Metadata | undefined): IntegratorScope {
  const scope = metadata ? scopes.get(metadata) : undefined;
  if (!scope) throw new GimError(ErrorCode.Unauthorized, 'unauthorized: the call was not admitted');
  return scope;
}
