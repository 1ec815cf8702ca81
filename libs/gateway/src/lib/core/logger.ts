/** The logging the core needs; Nest's Logger satisfies it, tests pass a silent one. */
export interface GatewayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** A logger that drops everything. */
export const SILENT_LOGGER: GatewayLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};
