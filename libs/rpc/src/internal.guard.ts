import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { ErrorCode, GimError } from '@gim/errors';
import { INTERNAL_SECRET, secretMatches } from './internal-secret';
import { INTERNAL_METADATA_KEY, metadataString } from './metadata';

/** Refuses an *Int* gRPC call unless it carries the internal credential. */
@Injectable()
export class InternalGuard implements CanActivate {
  constructor(@Inject(INTERNAL_SECRET) private readonly secret: string) {}

  canActivate(context: ExecutionContext): boolean {
    const metadata = context.switchToRpc().getContext<Metadata | undefined>();
    const presented = metadata instanceof Metadata ? metadataString(metadata, INTERNAL_METADATA_KEY) : '';
    if (!presented || !secretMatches(presented, this.secret)) {
      throw new GimError(
        ErrorCode.Unauthorized,
        'unauthorized: internal service requires the internal credential',
      );
    }
    return true;
  }
}
