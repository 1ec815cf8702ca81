import type { DataSource, QueryRunner } from 'typeorm';
import { metrics } from '@gim/ops';

const instrumented = new WeakSet<QueryRunner>();

/** Records every statement `dataSource` runs in gim_db_query_duration_seconds under `db`. */
export function instrumentDataSource(dataSource: DataSource, db: string): void {
  const ok = metrics.dbQueryDuration.labels(db, 'ok');
  const failed = metrics.dbQueryDuration.labels(db, 'error');
  const driver = dataSource.driver;
  const create = driver.createQueryRunner.bind(driver);
  driver.createQueryRunner = (mode) => {
    const runner = create(mode);
    if (instrumented.has(runner)) return runner;
    instrumented.add(runner);
    const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
    runner.query = ((...args: unknown[]) => {
      const start = performance.now();
      return query(...args).then(
        (result) => {
          ok.observe((performance.now() - start) / 1000);
          return result;
        },
        (error: unknown) => {
          failed.observe((performance.now() - start) / 1000);
          throw error;
        },
      );
    }) as QueryRunner['query'];
    return runner;
  };
}
