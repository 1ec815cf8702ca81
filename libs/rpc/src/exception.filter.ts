import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { GimError } from '@gim/errors';
import { Observable, throwError } from 'rxjs';
import { gimErrorToGrpc, grpcErrorMode, GrpcErrorMode, GrpcErrorObject } from './errors';
import { metadataString, REQUEST_ID_KEY } from './metadata';

/**
 * The one edge where gRPC handler failures become statuses: GimError → gimErrorToGrpc in the configured mode
 * (GIM_GRPC_ERRORS; not logged); anything else → INTERNAL, logged once here with the request id and stack.
 */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('grpc');

  private readonly mode: GrpcErrorMode;

  /** `setting` is GIM_GRPC_ERRORS: 'canonical' or 'gim'; anything else throws. */
  constructor(setting: string) {
    this.mode = grpcErrorMode(setting);
  }

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    if (exception instanceof GimError) return throwError(() => gimErrorToGrpc(exception, this.mode));
    const rpc = host.switchToRpc();
    const metadata = rpc.getContext<Metadata | undefined>();
    const requestId = metadata instanceof Metadata ? metadataString(metadata, REQUEST_ID_KEY) : '';
    const handler = host.getArgs<unknown[]>()[2] as { getPath?: () => string } | undefined;
    const path = handler?.getPath?.() ?? 'unknown method';
    const stack = exception instanceof Error ? exception.stack : String(exception);
    this.logger.error(`${path} failed (request_id=${requestId || '-'}): ${stack}`);
    const failure: GrpcErrorObject = {
      code: GrpcStatus.INTERNAL,
      details: 'internal error',
      metadata: new Metadata(),
    };
    return throwError(() => failure);
  }
}
