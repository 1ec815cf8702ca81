import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool, PoolConnection, PoolOptions, RowDataPacket } from 'mysql2';
import { createConnection } from 'mysql2/promise';
import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { DataSource, type EntitySchema } from 'typeorm';
import type { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver';
import { entitySchemasFor, type Dialect, type EntityClass } from './columns';
import { instrumentDataSource } from './instrument';
import { migrateSqlite, type SchemaName } from './schema';

/** Where a database URL points: a MySQL/MariaDB database or a SQLite file (`:memory:` for none). */
export type DatabaseTarget =
  | {
      dialect: 'mysql';
      scheme: 'mysql' | 'mariadb';
      host: string;
      port: number;
      user: string;
      password: string;
      database: string;
    }
  | { dialect: 'sqlite'; path: string };

/** Tuning for createDataSource. */
export interface CreateDataSourceOptions {
  /** MySQL connections kept in the pool (default 10); ignored by SQLite. */
  poolSize?: number;
  /** Log every SQL statement. */
  logging?: boolean;
  /**
   * MySQL: let one query carry several statements, so Database.inRounds sends a round of a transaction in one
   * round trip. Safe only because gim never puts a value into SQL text (placeholders everywhere); off by default.
   */
  multiStatements?: boolean;
  /**
   * SQLite: the schema these tables are, so a database from an older gim is migrated (sql/migrations/<schema>/)
   * before the tables are synchronised with the entities. MySQL databases are migrated by applySchemaFile.
   */
  schema?: SchemaName;
}

/** Entity classes or ready-made TypeORM schemas to register with a data source. */
export type EntityList = readonly (EntityClass | EntitySchema)[];

const URL_FORMS =
  'mysql://user:pass@host:port/db, mariadb://user:pass@host:port/db, sqlite:<file path> or sqlite::memory:';
const DEFAULT_MYSQL_PORT = 3306;
const DEFAULT_POOL_SIZE = 10;
const FIRST_ID = 10000;

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function invalid(url: string, reason: string): Error {
  return new Error(`invalid database URL "${redact(url)}": ${reason} (expected ${URL_FORMS})`);
}

/** Parses a database URL: `mysql://user:pass@host:port/db`, `mariadb://…`, `sqlite:<path>` or `sqlite::memory:`. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const text = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    let path = text.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw invalid(url, 'a sqlite URL needs a file path');
    return { dialect: 'sqlite', path };
  }
  if (scheme !== 'mysql' && scheme !== 'mariadb') {
    throw invalid(url, scheme ? `unsupported scheme "${scheme}"` : 'no scheme');
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw invalid(url, 'not a well-formed URL');
  }
  if (parsed.hostname === '') throw invalid(url, 'no host');
  if (parsed.username === '') throw invalid(url, 'no user name');
  if (parsed.search !== '' || parsed.hash !== '')
    throw invalid(url, 'query parameters and fragments are not supported');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '') throw invalid(url, 'no database name');
  if (database.includes('/')) throw invalid(url, 'the path must be a single database name');
  const port = parsed.port === '' ? DEFAULT_MYSQL_PORT : Number(parsed.port);
  if (port === 0) throw invalid(url, 'port 0');
  return {
    dialect: 'mysql',
    scheme,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

/** Opens an initialized TypeORM data source for a database URL (MySQL/MariaDB pool or SQLite file). */
export async function createDataSource(
  url: string,
  entities: EntityList,
  options: CreateDataSourceOptions = {},
): Promise<DataSource> {
  const target = parseDatabaseUrl(url);
  switch (target.dialect) {
    case 'mysql':
      return openMysql(target, entities, options);
    case 'sqlite':
      return openSqlite(target.path, entities, options);
  }
}

async function openMysql(
  target: Extract<DatabaseTarget, { dialect: 'mysql' }>,
  entities: EntityList,
  options: CreateDataSourceOptions,
): Promise<DataSource> {
  const dataSource = new DataSource({
    type: target.scheme === 'mariadb' ? 'mariadb' : await serverFlavor(target),
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    entities: entitySchemasFor(entities, 'mysql'),
    charset: 'utf8mb4',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    synchronize: false,
    logging: options.logging ?? false,
    extra: {
      connectionLimit: options.poolSize ?? DEFAULT_POOL_SIZE,
      multipleStatements: options.multiStatements ?? false,
    },
  });
  useUtcSessions(dataSource);
  await dataSource.initialize();
  instrumentDataSource(dataSource, options.schema ?? target.database);
  return dataSource;
}

// TypeORM's schema reader and insert strategy differ between MySQL and MariaDB, so ask the server which it is.
async function serverFlavor(
  target: Extract<DatabaseTarget, { dialect: 'mysql' }>,
): Promise<'mysql' | 'mariadb'> {
  const connection = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
  });
  try {
    const [rows] = await connection.query<({ version: string } & RowDataPacket)[]>(
      'SELECT VERSION() AS version',
    );
    return /mariadb/i.test(rows[0]?.version ?? '') ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

// DEFAULT CURRENT_TIMESTAMP(3) is evaluated in the session time zone; make it UTC like the dates mysql2 writes.
function useUtcSessions(dataSource: DataSource): void {
  const driver = dataSource.driver as MysqlDriver;
  const mysql2 = driver.mysql as typeof import('mysql2');
  driver.mysql = Object.assign(Object.create(mysql2) as typeof mysql2, {
    createPool(config: PoolOptions): Pool {
      const pool = mysql2.createPool(config);
      pool.on('connection', (connection: PoolConnection) => {
        connection.query("SET time_zone = '+00:00'", (error: Error | null) => {
          if (error) connection.destroy();
        });
      });
      return pool;
    },
  });
}

async function openSqlite(
  path: string,
  entities: EntityList,
  options: CreateDataSourceOptions,
): Promise<DataSource> {
  const database = path === ':memory:' ? path : resolve(path);
  if (database !== ':memory:') await mkdir(dirname(database), { recursive: true });
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database,
    entities: entitySchemasFor(entities, 'sqlite'),
    synchronize: options.schema === undefined,
    enableWAL: true,
    prepareDatabase: (db: BetterSqlite3.Database) => {
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
    },
    logging: options.logging ?? false,
  });
  await dataSource.initialize();
  try {
    if (options.schema !== undefined) await migrateSqlite(dataSource, options.schema);
    await startSqliteIdsAt(dataSource, FIRST_ID);
    await emulateOnUpdate(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  instrumentDataSource(dataSource, options.schema ?? 'sqlite');
  return dataSource;
}

// SQLite has no ON UPDATE clause: a trigger sets the column when an UPDATE leaves it unchanged, as MySQL does.
async function emulateOnUpdate(dataSource: DataSource): Promise<void> {
  for (const metadata of dataSource.entityMetadatas) {
    for (const column of metadata.columns) {
      if (!column.onUpdate) continue;
      const table = metadata.tableName;
      const name = column.databaseName;
      const trigger = `${table}_${name}_on_update`;
      await dataSource.query(`DROP TRIGGER IF EXISTS "${trigger}"`);
      await dataSource.query(
        `CREATE TRIGGER "${trigger}" AFTER UPDATE ON "${table}" FOR EACH ROW WHEN NEW."${name}" IS OLD."${name}" ` +
          `BEGIN UPDATE "${table}" SET "${name}" = ${column.onUpdate} WHERE rowid = NEW.rowid; END`,
      );
    }
  }
}

// Seeds sqlite_sequence so AUTOINCREMENT ids start where MySQL's AUTO_INCREMENT=10000 does; no-op once a table has a sequence.
async function startSqliteIdsAt(dataSource: DataSource, firstId: number): Promise<void> {
  const tables = dataSource.entityMetadatas
    .filter((metadata) =>
      metadata.generatedColumns.some((column) => column.generationStrategy === 'increment'),
    )
    .map((metadata) => metadata.tableName);
  for (const table of tables) {
    await dataSource.query(
      'INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)',
      [table, firstId - 1, table],
    );
  }
}

/** Which SQL dialect a data source speaks. */
export function dialectOf(dataSource: DataSource): Dialect {
  switch (dataSource.options.type) {
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    case 'better-sqlite3':
      return 'sqlite';
    default:
      throw new Error(`gim storage does not support the TypeORM driver "${dataSource.options.type}"`);
  }
}

function databaseUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return 'must be a database URL';
  try {
    parseDatabaseUrl(url);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Validates a setting holding a database URL that parseDatabaseUrl accepts; the message says what is wrong. */
export function IsDatabaseUrl(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDatabaseUrl',
      validator: {
        validate: (value: unknown) => databaseUrlProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => databaseUrlProblem(args?.value) ?? '',
      },
    },
    validationOptions,
  );
}
