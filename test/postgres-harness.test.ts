// test/support/postgres.js: the throwaway cluster the suite runs PostgreSQL tests against. Started in a
// child process with DATABASE_URL unset, so it really creates, serves and removes a cluster.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const harness = path.resolve(__dirname, '..', '..', 'test', 'support', 'postgres.js');
const serverBinaries = fs.existsSync('/usr/lib/postgresql') && fs.readdirSync('/usr/lib/postgresql').length > 0;

// Starts a cluster, queries it, stops it, and reports what it saw as JSON on stdout.
const script = `
const pg = require(${JSON.stringify(harness)});
const fs = require('node:fs');
const { Client } = require('pg');
const tmp = require('node:os').tmpdir();
const dirs = () => fs.readdirSync(tmp).filter((d) => d.startsWith('cptflow-pg-'));
(async () => {
  const before = new Set(dirs());
  const { DATABASE_URL } = pg.start();
  const mine = dirs().filter((d) => !before.has(d));
  const again = pg.start().DATABASE_URL;
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  const { rows } = await client.query('SELECT current_database() AS db, host(inet_server_addr()) AS addr, version() AS version');
  await client.end();
  pg.stop();
  let refused = false;
  const late = new Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try { await late.connect(); await late.end(); } catch { refused = true; }
  process.stdout.write(JSON.stringify({ url: DATABASE_URL, again, row: rows[0], created: mine.length, removed: mine.every((d) => !fs.existsSync(require('node:path').join(tmp, d))), refused }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('test/support/postgres.js', { skip: serverBinaries ? false : 'no PostgreSQL server binaries under /usr/lib/postgresql' }, () => {
  it('starts a cluster on 127.0.0.1 that accepts connections, and stop() removes it', () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 120_000, cwd: path.resolve(__dirname, '..', '..') });
    assert.equal(child.status, 0, child.stderr);
    const seen = JSON.parse(child.stdout);
    assert.match(seen.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/cptflow_test$/);
    assert.equal(seen.again, seen.url, 'a second start() reuses the running cluster');
    assert.equal(seen.row.db, 'cptflow_test');
    assert.equal(seen.row.addr, '127.0.0.1');
    assert.match(seen.row.version, /^PostgreSQL \d+/);
    assert.equal(seen.created, 1, 'one cluster directory was created');
    assert.equal(seen.removed, true, 'the cluster directory is removed');
    assert.equal(seen.refused, true, 'the server is gone after stop()');
  });

  it('does nothing when DATABASE_URL is already set', () => {
    const url = 'postgres://someone@127.0.0.1:1/elsewhere';
    const child = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(harness)}).start()))`], {
      env: { ...process.env, DATABASE_URL: url },
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { DATABASE_URL: url });
  });
});
