import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './load-config';
import { CommonConfig } from './common';

/** Something started that can be stopped. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * The part of GIM_SHUTDOWN_TIMEOUT_MS a service's drain (calls and requests finishing) may take; the rest is
 * for closing its storage and connections before runApp's hard stop.
 */
export function drainBudgetMs(shutdownTimeoutMs: number): number {
  return Math.floor(shutdownTimeoutMs * 0.75);
}

/** GIM_SHUTDOWN_TIMEOUT_MS from the environment the app validated at start; its default if unreadable. */
function shutdownTimeoutMs(logger: Logger): number {
  try {
    return loadConfig(CommonConfig).GIM_SHUTDOWN_TIMEOUT_MS;
  } catch (error) {
    const fallback = new CommonConfig().GIM_SHUTDOWN_TIMEOUT_MS;
    logger.error(`${String(error)}; shutting down within ${fallback} ms`);
    return fallback;
  }
}

/**
 * Entry point helper for an app's main.ts: starts it, prints configuration problems (exit code 78) or a
 * failed start (exit code 1), and closes it gracefully on SIGINT/SIGTERM: exit code 0 once closed, 1 when the
 * close failed or had not finished within GIM_SHUTDOWN_TIMEOUT_MS. A second signal exits at once (code 1).
 */
export function runApp(name: string, start: () => Promise<Closable>): void {
  // Nest's logger: the app's own (JSON lines) once it made one.
  const logger = new Logger(name);
  let running: Closable | undefined;
  let requested: string | undefined;
  const shutDown = (app: Closable, signal: string): void => {
    const timeoutMs = shutdownTimeoutMs(logger);
    logger.log(`${signal} received, shutting down (at most ${timeoutMs} ms)`);
    setTimeout(() => {
      logger.error(`shutdown did not finish within ${timeoutMs} ms (GIM_SHUTDOWN_TIMEOUT_MS)`);
      process.exit(1);
    }, timeoutMs);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(
          `shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        process.exit(1);
      },
    );
  };
  // Listening from the first moment: a signal while the app starts stops it as soon as it is up.
  const stop = (signal: string): void => {
    if (requested !== undefined) {
      logger.error(`${signal} received again, exiting without waiting for the shutdown`);
      process.exit(1);
    }
    requested = signal;
    if (running) shutDown(running, signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  start().then(
    (app) => {
      running = app;
      if (requested !== undefined) shutDown(app, requested);
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        console.error(`${name}: ${error.message}`);
        process.exit(78);
      }
      console.error(`${name}: failed to start`, error);
      process.exit(1);
    },
  );
}
