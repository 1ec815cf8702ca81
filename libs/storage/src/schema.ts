import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { DataSource, QueryRunner } from 'typeorm';
import type { Dialect } from './columns';

/** The schema files under `sql/`. */
export type SchemaName = 'business' | 'logic' | 'file';

/** A table every database of the schema has had since version 1: how a database from before versions is told apart. */
const FIRST_TABLE: Record<SchemaName, string> = { business: 'user', logic: 'device', file: 'file' };

/** One file of `sql/migrations/<schema>/`: `NNN-what.<dialect>.sql` brings a database to version NNN. */
interface Migration {
  version: number;
  file: string;
}

const MIGRATION_FILE = /^(\d{3})-[a-z0-9-]+\.(mysql|sqlite)\.sql$/;

function sqlDir(): string {
  const configured = process.env['GIM_SQL_DIR'];
  if (configured) {
    if (!existsSync(configured)) throw new Error(`GIM_SQL_DIR is ${configured}, which does not exist`);
    return resolve(configured);
  }
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'sql');
    if (existsSync(join(candidate, 'business.sql'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`no sql/ folder above ${__dirname}; set GIM_SQL_DIR`);
  }
}

/** Path of `sql/<name>.sql`: under GIM_SQL_DIR if set, else the nearest `sql/` folder above this file. */
export function schemaFilePath(name: SchemaName): string {
  const file = join(sqlDir(), `${name}.sql`);
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  return file;
}

/** The migrations of a schema for a dialect, oldest first. */
export function migrationsOf(name: SchemaName, dialect: Dialect): Migration[] {
  const dir = join(sqlDir(), 'migrations', name);
  if (!existsSync(dir)) return [];
  const found: Migration[] = [];
  for (const entry of readdirSync(dir)) {
    const match = MIGRATION_FILE.exec(entry);
    if (match?.[2] === dialect) found.push({ version: Number(match[1]), file: join(dir, entry) });
  }
  return found.sort((a, b) => a.version - b.version);
}

/** The version a new database of this schema is created at: its newest migration, or 1 when it has none. */
export function latestVersion(name: SchemaName): number {
  return Math.max(1, ...migrationsOf(name, 'mysql').map((migration) => migration.version));
}

// A statement ends with ';' at the end of a line; comments are whole lines starting with '--'.
function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

async function runFile(runner: QueryRunner, file: string): Promise<void> {
  for (const statement of splitStatements(await readFile(file, 'utf8'))) await runner.query(statement);
}

async function tableExists(runner: QueryRunner, dialect: Dialect, table: string): Promise<boolean> {
  const rows: { n: number | string }[] = await runner.query(
    dialect === 'mysql'
      ? 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?'
      : "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
    [table],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

// 0: an empty database; 1: tables from before schema versions were recorded; otherwise the recorded version.
async function currentVersion(runner: QueryRunner, dialect: Dialect, name: SchemaName): Promise<number> {
  if (await tableExists(runner, dialect, 'schema_version')) {
    const rows: { version: number }[] = await runner.query(
      'SELECT version FROM schema_version WHERE name = ?',
      [name],
    );
    if (rows[0]) return Number(rows[0].version);
  }
  return (await tableExists(runner, dialect, FIRST_TABLE[name])) ? 1 : 0;
}

async function recordVersion(
  runner: QueryRunner,
  dialect: Dialect,
  name: SchemaName,
  version: number,
): Promise<void> {
  await runner.query(
    dialect === 'mysql'
      ? 'INSERT INTO schema_version (name, version) VALUES (?, ?) ON DUPLICATE KEY UPDATE version = VALUES(version)'
      : 'INSERT INTO schema_version (name, version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version',
    [name, version],
  );
}

function refuseNewer(name: SchemaName, current: number, latest: number): void {
  if (current > latest) {
    throw new Error(
      `the ${name} database is at schema version ${current}, newer than this gim knows (${latest}); run a newer gim`,
    );
  }
}

// Each migration and the record of its version commit together where DDL is transactional (SQLite).
async function migrate(runner: QueryRunner, dialect: Dialect, name: SchemaName, from: number): Promise<void> {
  for (const migration of migrationsOf(name, dialect)) {
    if (migration.version <= from) continue;
    if (dialect === 'sqlite') await runner.startTransaction();
    try {
      await runFile(runner, migration.file);
      await recordVersion(runner, dialect, name, migration.version);
      if (dialect === 'sqlite') await runner.commitTransaction();
    } catch (error) {
      if (dialect === 'sqlite') await runner.rollbackTransaction();
      throw error;
    }
  }
}

// The table as the entity sync creates it, so that a migration can record its version before the sync runs.
const SQLITE_SCHEMA_VERSION_TABLE =
  'CREATE TABLE IF NOT EXISTS "schema_version" ("name" varchar(32) PRIMARY KEY NOT NULL, "version" integer NOT NULL, ' +
  `"created_at" datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')), ` +
  `"updated_at" datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')))`;

/**
 * Brings a MySQL database to this gim's schema: creates what `sql/<name>.sql` has and the database lacks, runs
 * the migrations newer than the database's recorded version, and records the new version. Holds a named lock
 * meanwhile, so processes booting together migrate once. SQLite databases are migrated when they are opened.
 */
export async function applySchemaFile(dataSource: DataSource, name: SchemaName): Promise<void> {
  if (dataSource.options.type === 'better-sqlite3') return;
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const lock = `gim_schema_${name}`;
  try {
    const [granted] = (await runner.query('SELECT GET_LOCK(?, 120) AS granted', [lock])) as {
      granted: number | null;
    }[];
    if (Number(granted?.granted) !== 1) throw new Error(`could not take the ${lock} lock within 120 s`);
    const latest = latestVersion(name);
    const current = await currentVersion(runner, 'mysql', name);
    refuseNewer(name, current, latest);
    await runFile(runner, schemaFilePath(name));
    if (current > 0) await migrate(runner, 'mysql', name, current);
    await recordVersion(runner, 'mysql', name, latest);
  } finally {
    await runner.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Brings a SQLite database to this gim's schema: runs the migrations newer than its recorded version, then
 * synchronises the tables with the entities (which creates missing tables and rebuilds changed ones, keeping
 * their rows), and records the version.
 */
export async function migrateSqlite(dataSource: DataSource, name: SchemaName): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    const latest = latestVersion(name);
    const current = await currentVersion(runner, 'sqlite', name);
    refuseNewer(name, current, latest);
    if (current > 0 && current < latest) {
      await runner.query(SQLITE_SCHEMA_VERSION_TABLE);
      await migrate(runner, 'sqlite', name, current);
    }
    await dataSource.synchronize();
    await recordVersion(runner, 'sqlite', name, latest);
  } finally {
    await runner.release();
  }
}
