import { ConfigError } from './load-config';

/** Something started that can be stopped. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Entry point helper for an app's main.ts: starts it, prints configuration problems (exit code 78) or a
 * failed start (exit code 1), and closes it gracefully on SIGINT/SIGTERM.
 */
export function runApp(name: string, start: () => Promise<Closable>): void {
  start().then(
    (running) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`${name}: ${signal} received, shutting down`);
        running.close().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(`${name}: shutdown failed`, error);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
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
