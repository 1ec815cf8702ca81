import { Logger } from '@nestjs/common';
import { GrpcOptions } from '@nestjs/microservices';
import { MonoTypeOperatorFunction, ReplaySubject, takeUntil } from 'rxjs';

/** The part of a grpc-js Server a drain needs. */
interface ShutdownServer {
  forceShutdown(): void;
}

/** What a drain closes: a Nest gRPC microservice (its server first, then its lifecycle hooks). */
export interface ClosableApp {
  close(): Promise<void>;
}

/**
 * The graceful stop of one gRPC server. Nest's `close()` with `gracefulShutdown` runs grpc-js `tryShutdown`:
 * the server stops listening and sends every connection GOAWAY, so a new call is refused with UNAVAILABLE (the
 * caller retries elsewhere) while calls already running finish. Long-lived streams would keep it open for
 * ever, so they end themselves when draining starts (`endOnDrain`); whatever still runs at the deadline is cut
 * (`forceShutdown`, CANCELLED for the caller).
 */
export class GrpcDrain {
  private readonly started = new ReplaySubject<void>(1);
  private server: ShutdownServer | undefined;
  private draining = false;
  private readonly logger = new Logger('grpc');

  /** True once draining started. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Server options (grpcServerOptions) with graceful shutdown, the server they create held by this drain. */
  serve(options: GrpcOptions): GrpcOptions {
    const inner = options.options;
    return {
      ...options,
      options: {
        ...inner,
        gracefulShutdown: true,
        onLoadPackageDefinition: (definition: unknown, server: unknown) => {
          this.server = server as ShutdownServer;
          inner.onLoadPackageDefinition?.(definition, server);
        },
      },
    };
  }

  /** Completes a long-lived stream (its requests side) once draining starts, so its call ends after its answers. */
  endOnDrain<T>(): MonoTypeOperatorFunction<T> {
    return takeUntil(this.started);
  }

  /** Starts draining: streams end, `isDraining` turns true. Idempotent. */
  begin(): void {
    if (this.draining) return;
    this.draining = true;
    this.started.next();
    this.started.complete();
  }

  /**
   * Drains and closes `app`: new calls are refused, running ones get `withinMs` to finish, then are cut; resolves
   * once the app (its lifecycle hooks included) is closed.
   */
  async close(app: ClosableApp, withinMs: number): Promise<void> {
    this.begin();
    const closing = app.close();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'cut'>((resolve) => {
      timer = setTimeout(() => resolve('cut'), Math.max(0, withinMs));
    });
    try {
      if ((await Promise.race([closing, deadline])) !== 'cut') return;
    } finally {
      clearTimeout(timer);
    }
    this.logger.warn(`gRPC calls still running ${withinMs} ms into the shutdown are cut`);
    this.server?.forceShutdown();
    await closing;
  }
}
