import type { PoolConnection } from 'mysql2';
import { DataSource, EntityManager } from 'typeorm';
import type { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver';
import { dialectOf } from './data-source';
import type { Dialect } from './columns';
import { Mutex, retryOnLock, storageAnswered, storageError } from './sql';

/** Runs statements inside one transaction. */
export interface Transaction {
  /** Runs one statement in the transaction. */
  query<T = unknown>(sql: string, params?: readonly unknown[]): Promise<T>;
  /** The TypeORM manager of the transaction, for repository calls. */
  readonly manager: EntityManager;
}

/** One SQL statement and its parameters. */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

/** A transaction whose statements travel in rounds: on MySQL each round is one round trip. */
export interface RoundTransaction {
  /**
   * Runs `statements` in order and returns each one's result (rows for a SELECT). The first round also carries
   * the BEGIN; with `commit`, the round also carries the COMMIT and is the transaction's last.
   */
  round(statements: readonly Statement[], options?: { commit?: boolean }): Promise<unknown[]>;
}

const databases = new WeakMap<DataSource, Database>();

/**
 * gim's one way into a SQL database, shared by every repository of a data source. On SQLite, where the
 * driver has a single connection, every statement and transaction of the data source runs behind one lock,
 * so a transaction never swallows (or rolls back) another caller's statements. On every engine, a database
 * that cannot serve becomes GimError(Unavailable), logged once per outage.
 */
export class Database {
  /** The SQL dialect of the data source. */
  readonly dialect: Dialect;
  private readonly lock: Mutex | undefined;

  private constructor(readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
    this.lock = this.dialect === 'sqlite' ? new Mutex() : undefined;
  }

  /** The Database of a data source: the same object (and lock) for every caller. */
  static of(dataSource: DataSource): Database {
    let database = databases.get(dataSource);
    if (database === undefined) {
      database = new Database(dataSource);
      databases.set(dataSource, database);
    }
    return database;
  }

  /**
   * Runs one statement, again when it lost a deadlock or a lock wait: on its own it is its own transaction, which
   * the database rolled back whole.
   */
  query<T = unknown>(sql: string, params: readonly unknown[] = []): Promise<T> {
    return this.run(() => retryOnLock(() => this.dataSource.query(sql, [...params]) as Promise<T>));
  }

  /** Runs one INSERT, UPDATE or DELETE, again when it lost a deadlock (as `query`), and returns the rows it changed. */
  change(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.run(() =>
      retryOnLock(async () => {
        const runner = this.dataSource.createQueryRunner();
        try {
          return (await runner.query(sql, [...params], true)).affected ?? 0;
        } finally {
          await runner.release();
        }
      }),
    );
  }

  /** Runs `work` in one transaction, retried as a whole on deadlock; its statements go through `tx`. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.run(() =>
      retryOnLock(() =>
        this.dataSource.transaction((manager) =>
          work({
            manager,
            query: <R>(sql: string, params: readonly unknown[] = []) =>
              manager.query(sql, [...params]) as Promise<R>,
          }),
        ),
      ),
    );
  }

  /**
   * Runs `work` in one transaction whose statements go in rounds (see RoundTransaction), retried as a whole on
   * deadlock. On MySQL with multi-statement connections (CreateDataSourceOptions.multiStatements) a round is one
   * round trip; elsewhere its statements run one by one, with the same results.
   */
  inRounds<T>(work: (tx: RoundTransaction) => Promise<T>): Promise<T> {
    if (this.dialect === 'sqlite' || !this.multiStatements())
      return this.transaction((tx) => {
        let committed = false;
        return work({
          round: async (statements, options = {}) => {
            if (committed) throw new Error('the transaction has already committed');
            const results: unknown[] = [];
            for (const { sql, params } of statements) results.push(await tx.query(sql, params));
            committed = options.commit === true;
            return results;
          },
        });
      });
    return this.run(() => retryOnLock(() => this.mysqlRounds(work)));
  }

  private multiStatements(): boolean {
    const pool = (this.dataSource.driver as MysqlDriver).pool as
      { config?: { connectionConfig?: { multipleStatements?: boolean } } } | undefined;
    return pool?.config?.connectionConfig?.multipleStatements === true;
  }

  private async mysqlRounds<T>(work: (tx: RoundTransaction) => Promise<T>): Promise<T> {
    const connection = (await (
      this.dataSource.driver as MysqlDriver
    ).obtainMasterConnection()) as PoolConnection;
    // Held in an object: the rounds change it from inside the work's closure.
    const tx: { state: 'none' | 'open' | 'committed' } = { state: 'none' };
    let destroyed = false;
    try {
      const result = await work({
        round: async (statements, options = {}) => {
          if (tx.state === 'committed') throw new Error('the transaction has already committed');
          const parts = statements.map((statement) => statement.sql);
          const begins = tx.state === 'none';
          if (begins) parts.unshift('START TRANSACTION');
          if (options.commit) parts.push('COMMIT');
          const params = statements.flatMap((statement) => statement.params ?? []);
          // From here a failure must roll back: the server may have begun the transaction.
          tx.state = 'open';
          const raw = await runOn(connection, parts.join(';\n'), params);
          if (options.commit) tx.state = 'committed';
          const results = parts.length === 1 ? [raw] : (raw as unknown[]);
          return results.slice(begins ? 1 : 0, options.commit ? -1 : undefined);
        },
      });
      if (tx.state === 'open') await runOn(connection, 'COMMIT', []);
      tx.state = 'committed';
      return result;
    } catch (error) {
      if (tx.state === 'open')
        await runOn(connection, 'ROLLBACK', []).catch(() => {
          connection.destroy();
          destroyed = true;
        });
      throw error;
    } finally {
      if (!destroyed) connection.release();
    }
  }

  /** Runs TypeORM calls on this data source (repository methods) under the same lock and failure mapping. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await (this.lock ? this.lock.run(work) : work());
      storageAnswered();
      return result;
    } catch (error) {
      throw storageError(error);
    }
  }
}

function runOn(connection: PoolConnection, sql: string, params: readonly unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) =>
    connection.query(sql, [...params] as (string | number | null)[], (error, results) =>
      error ? reject(error) : resolve(results),
    ),
  );
}
