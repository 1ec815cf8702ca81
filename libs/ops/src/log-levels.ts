import type { LogLevel } from '@nestjs/common';

const SEVERITY: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The Nest log levels enabled by GIM_LOG_LEVEL: that level and every more severe one (`log` when unknown). */
export function logLevels(level: string): LogLevel[] {
  const index = SEVERITY.indexOf(level as LogLevel);
  return SEVERITY.slice(0, (index < 0 ? SEVERITY.indexOf('log') : index) + 1);
}
