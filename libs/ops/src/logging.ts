import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { ConsoleLogger, LoggerService } from '@nestjs/common';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import { storage, Store } from 'nestjs-pino/storage';
import { Logger as Pino, pino, stdTimeFunctions } from 'pino';
import { logLevels } from './log-levels';

/** How a process writes its logs: format (json or text) and GIM_LOG_LEVEL. */
export interface LogSettings {
  /** The process's name in every JSON line (`app`). */
  app: string;
  format: string;
  level: string;
}

/** pino's level for each GIM_LOG_LEVEL (Nest's names). */
const PINO_LEVELS: Readonly<Record<string, string>> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Field names whose values never reach a log line, wherever they appear in a logged object. */
const REDACTED_KEYS = ['token', 'verificationCode', 'secret', 'password', 'authorization', 'credential'];

const requestIds = new AsyncLocalStorage<string>();
let processLogger: { service: LoggerService; pino?: Pino } | undefined;

/**
 * The Nest logger of this process, made on first use (later calls, e.g. each service of standalone mode, get
 * the same one): JSON lines through pino (nestjs-pino) or Nest's console lines, at GIM_LOG_LEVEL.
 */
export function processLoggerFor(settings: LogSettings): LoggerService {
  if (processLogger) return processLogger.service;
  if (settings.format === 'text') {
    processLogger = { service: new ConsoleLogger({ logLevels: logLevels(settings.level) }) };
    return processLogger.service;
  }
  const root = pino({
    level: PINO_LEVELS[settings.level] ?? 'info',
    base: { app: settings.app, pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: {
      paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`]),
      censor: '[redacted]',
    },
  });
  const service = new PinoNestLogger(new PinoLogger({ pinoHttp: { logger: root } }), {});
  processLogger = { service, pino: root };
  return processLogger.service;
}

/** A new request id: 16 hex characters. */
export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

/** The request id of the call being handled, if any. */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

/** Runs `fn` as part of request `id`: its logs carry `requestId`, and gRPC calls it makes pass the id on. */
export function withRequestId<T>(id: string, fn: () => T): T {
  const root = processLogger?.pino;
  return requestIds.run(id, () => (root ? storage.run(new Store(root.child({ requestId: id })), fn) : fn()));
}
