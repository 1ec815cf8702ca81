import { Logger } from '@nestjs/common';
import { ErrorCode, GimError, OutageLog } from '@gim/errors';

/** A DATETIME(3) literal both MySQL and SQLite accept: `YYYY-MM-DD HH:MM:SS.mmm` in UTC. */
export function sqlDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Milliseconds since the epoch from a DATETIME column (a Date from mysql2, a UTC string from SQLite). */
export function dateTimeMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return Date.parse(`${value.replace(' ', 'T')}Z`);
  if (typeof value === 'number') return value;
  throw new Error(`unexpected DATETIME value ${String(value)}`);
}

/** `?, ?, ?` for n placeholders. */
export function placeholders(count: number, tuple = '?'): string {
  return new Array<string>(count).fill(tuple).join(', ');
}

/** Splits a list into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface DriverError {
  code?: unknown;
  fatal?: unknown;
  driverError?: unknown;
}

function driverErrorOf(error: unknown): DriverError {
  const outer = (error ?? {}) as DriverError;
  return (outer.driverError ?? outer) as DriverError;
}

function codeOf(error: unknown): string {
  const { code } = driverErrorOf(error);
  return typeof code === 'string' ? code : '';
}

/** A unique/primary key violation, on either engine. */
export function isDuplicateKey(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === 'ER_DUP_ENTRY' ||
    code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY') ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** A deadlock or lock wait timeout that a retry of the whole transaction resolves. */
export function isRetryableLock(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
}

/** Driver codes that mean "the database cannot serve now" rather than "this statement is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'POOL_CLOSED',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
]);

/** True when a failure means the database is unreachable or cannot serve now (a retry later may work). */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof GimError) return error.code === ErrorCode.Unavailable;
  const driver = driverErrorOf(error);
  const code = codeOf(error);
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('SQLITE_IOERR')) return true;
  if (driver.fatal === true) return true;
  // TypeORM and mysql2 report a closed pool or a lost connection by message only.
  const message = error instanceof Error ? error.message : '';
  return /pool is closed|connection is not established|cannot enqueue .* after fatal error/i.test(message);
}

const outages = new OutageLog((line) => new Logger('storage').warn(line));

/** Turns "the database cannot serve now" into GimError(Unavailable), logged once per outage burst; other errors pass through. */
export function storageError(error: unknown): unknown {
  if (error instanceof GimError || !isUnavailable(error)) return error;
  const code = codeOf(error) || (error instanceof Error ? error.message : String(error));
  outages.failed('database', code);
  return new GimError(ErrorCode.Unavailable, `temporarily unavailable: storage (${code}); retry`);
}

/** Records that the database answered, ending an outage burst in the log. */
export function storageAnswered(): void {
  outages.recovered('database');
}

/** Runs `work` up to `attempts` times while it fails with a retryable lock error. */
export async function retryOnLock<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryableLock(error)) throw error;
    }
  }
}

/** Serializes async sections: the queue behind SQLite's single connection. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` after every previously queued section has finished. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
