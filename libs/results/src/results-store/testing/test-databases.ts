// Fresh, empty results databases for tests: always a SQLite file in a temp directory, and a
// PostgreSQL database of its own (created and dropped per suite) when DATABASE_URL is set.
// scripts/run-tests.js sets DATABASE_URL through test/support/services.js, which starts a throwaway
// cluster with test/support/postgres.js.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { ResultsDatabaseOptions } from '../database/data-source';

export interface TestDatabase {
  options: ResultsDatabaseOptions;
  drop(): Promise<void>;
}

export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** A reason to skip this backend's suite, or false to run it. */
  skip: string | false;
  create(): Promise<TestDatabase>;
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const sqlite: TestBackend = {
  name: 'sqlite',
  skip: false,
  async create() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-results-'));
    return {
      options: { sqlitePath: path.join(dir, 'results.sqlite') },
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
};

function postgres(adminUrl: string | undefined): TestBackend {
  return {
    name: 'postgres',
    skip: adminUrl
      ? false
      : 'DATABASE_URL is not set, so the PostgreSQL suite is skipped (node scripts/run-tests.js starts a cluster; or point DATABASE_URL at a server)',
    async create() {
      if (!adminUrl) throw new Error('DATABASE_URL is not set');
      const name = `cptflow_results_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
      await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        options: { databaseUrl: url.toString() },
        // FORCE (PostgreSQL 13+) ends connections a failed test may have left open.
        drop: async () => {
          await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
        },
      };
    },
  };
}

export function testBackends(): TestBackend[] {
  return [sqlite, postgres(process.env.DATABASE_URL)];
}
