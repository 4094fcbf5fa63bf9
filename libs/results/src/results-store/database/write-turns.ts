// better-sqlite3 is one connection: a second BEGIN while a transaction is open fails ("cannot start a
// transaction within a transaction"), and a statement issued meanwhile would join the open
// transaction. So every repository over one SQLite DataSource takes turns for its writes, through
// one chain per DataSource. PostgreSQL has a pool, and its row locks order concurrent writes.
import type { DataSource, EntityManager } from 'typeorm';

const lastWrite = new WeakMap<DataSource, Promise<unknown>>();

/** Runs `work` in a transaction; on SQLite after every earlier write of this process has finished. */
export function writeInTurn<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (dataSource.options.type !== 'better-sqlite3') return dataSource.transaction(work);
  const run = (lastWrite.get(dataSource) ?? Promise.resolve()).then(() => dataSource.transaction(work));
  lastWrite.set(
    dataSource,
    run.catch(() => undefined),
  );
  return run;
}
