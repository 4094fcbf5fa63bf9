// Opens the results database: SQLite (better-sqlite3) in a local file by default, PostgreSQL when a
// DATABASE_URL is given. The schema comes from the migrations, never from `synchronize`.
import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { ResultsError } from '../domain/errors';
import { RESULTS_ENTITIES } from './entities';
import { RESULTS_MIGRATIONS } from './migrations';

export const DEFAULT_SQLITE_PATH = 'data/results.sqlite';

export interface ResultsDatabaseOptions {
  /** postgres://user@host:port/db; when set, PostgreSQL is used and sqlitePath is ignored. */
  databaseUrl?: string;
  /** The SQLite file (created with its directory when missing). Default: data/results.sqlite. */
  sqlitePath?: string;
  /** Log SQL statements (TypeORM logging). */
  logging?: boolean;
}

export function createResultsDataSource(options: ResultsDatabaseOptions = {}): DataSource {
  const common = {
    entities: RESULTS_ENTITIES,
    migrations: RESULTS_MIGRATIONS,
    migrationsTableName: 'results_migrations',
    synchronize: false,
    logging: options.logging ?? false,
  };
  if (options.databaseUrl) {
    return new DataSource({ ...common, type: 'postgres', url: options.databaseUrl, applicationName: 'cptflow-evaluator' });
  }
  const file = path.resolve(options.sqlitePath ?? DEFAULT_SQLITE_PATH);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return new DataSource({
    ...common,
    type: 'better-sqlite3',
    database: file,
    // WAL lets the API read while the evaluator writes; the busy timeout rides out a writer holding the lock.
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
    },
  });
}

/** An arbitrary constant naming the advisory lock that evaluator replicas take while migrating. */
const MIGRATION_LOCK_KEY = 7_345_120_911;

/**
 * Applies pending migrations. On PostgreSQL, replicas starting together would race to create the same
 * tables, so each waits for a session advisory lock first and then finds the work already done.
 */
async function migrate(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const lockHolder = dataSource.createQueryRunner();
  try {
    await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lockHolder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lockHolder.release();
  }
}

/**
 * Connects and applies pending migrations; the caller destroys the DataSource when done. A SQLite
 * path that holds something else (another file given by mistake, one cut short by a crash, a
 * directory) is a ResultsError naming the file, not a driver stack trace.
 */
export async function openResultsDatabase(options: ResultsDatabaseOptions = {}): Promise<DataSource> {
  const dataSource = createResultsDataSource(options);
  try {
    await dataSource.initialize();
  } catch (err) {
    if (dataSource.options.type === 'postgres') throw err;
    throw ResultsError.invalid(`${String(dataSource.options.database)} is not a SQLite results database (${(err as Error).message})`);
  }
  try {
    await migrate(dataSource);
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  return dataSource;
}
