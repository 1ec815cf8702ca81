import { ErrorCode, GimError } from '@gim/errors';

/** Which SQL dialect a repository speaks. */
export type Dialect = 'mysql' | 'sqlite';

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
  errno?: unknown;
}

function codeOf(error: unknown): string {
  const { code } = (error ?? {}) as DriverError;
  return typeof code === 'string' ? code : '';
}

/** A unique/primary key violation, on either engine. */
export function isDuplicateKey(error: unknown): boolean {
  const code = codeOf((error as { driverError?: unknown })?.driverError ?? error);
  return (
    code === 'ER_DUP_ENTRY' ||
    code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY') ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** A deadlock or lock wait timeout that a retry of the whole transaction resolves. */
export function isRetryableLock(error: unknown): boolean {
  const code = codeOf((error as { driverError?: unknown })?.driverError ?? error);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'POOL_CLOSED',
  'ER_SERVER_SHUTDOWN',
]);

/** Turns "the database is unreachable" into GimError(Unavailable); other errors pass through. */
export function storageError(error: unknown): unknown {
  const code = codeOf((error as { driverError?: unknown })?.driverError ?? error);
  if (CONNECTION_CODES.has(code)) return new GimError(ErrorCode.Unavailable, `storage unavailable: ${code}`);
  return error;
}

/** Runs `work` up to `attempts` times while it fails with a retryable lock error. */
export async function retryOnLock<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryableLock(error)) throw storageError(error);
    }
  }
}

/** Serializes async sections; SQLite has one connection, so its transactions must not interleave. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` after every previously queued section has finished. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
