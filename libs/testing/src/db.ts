import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';

const MAX_DATABASE_NAME = 64;

/** A database made for one test suite. */
export interface TestDatabase {
  /** Database name, `gim_t_<label>_<random>`. */
  name: string;
  /** URL of the database, for createDataSource or an app's config. */
  url: string;
  /** Drops the database (safe to call twice). */
  drop(): Promise<void>;
}

/** URL of the MariaDB/MySQL server tests may create databases on (GIM_TEST_MYSQL_URL). */
export function testMysqlUrl(): string {
  return process.env['GIM_TEST_MYSQL_URL'] || 'mysql://root@127.0.0.1:3306';
}

/** URL of the Redis server tests use (GIM_TEST_REDIS_URL). */
export function testRedisUrl(): string {
  return process.env['GIM_TEST_REDIS_URL'] || 'redis://127.0.0.1:6379';
}

function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

function slug(label: string, maxLength: number): string {
  const text = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, maxLength);
  return text || 'suite';
}

/** A Redis key prefix no other suite or run uses: `gimt:<label>:<random>:`. */
export function uniquePrefix(label: string): string {
  return `gimt:${slug(label, 40)}:${randomSuffix()}:`;
}

function serverUrl(): URL {
  const url = new URL(testMysqlUrl());
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new Error(`GIM_TEST_MYSQL_URL must be a mysql:// or mariadb:// URL, got ${url.protocol}`);
  }
  url.pathname = '';
  return url;
}

async function withServer<T>(server: URL, run: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await createConnection({
    host: server.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: server.port === '' ? 3306 : Number(server.port),
    user: decodeURIComponent(server.username),
    password: decodeURIComponent(server.password),
  });
  try {
    return await run(connection);
  } finally {
    await connection.end();
  }
}

/** Creates an empty utf8mb4 database on the test server so a suite never sees another suite's rows. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const server = serverUrl();
  const suffix = randomSuffix();
  const name = `gim_t_${slug(label, MAX_DATABASE_NAME - 'gim_t__'.length - suffix.length)}_${suffix}`;
  await withServer(server, (connection) =>
    connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`),
  );
  const url = new URL(server.href);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    drop: async () => {
      await withServer(server, (connection) => connection.query(`DROP DATABASE IF EXISTS \`${name}\``));
    },
  };
}
