import { DataSource, EntityManager } from 'typeorm';
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

  /** Runs one statement. */
  query<T = unknown>(sql: string, params: readonly unknown[] = []): Promise<T> {
    return this.run(() => this.dataSource.query(sql, [...params]) as Promise<T>);
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
