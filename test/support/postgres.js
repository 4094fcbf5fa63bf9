// A throwaway PostgreSQL cluster on loopback for the test suite, built from Debian's server binaries
// (/usr/lib/postgresql/<version>/bin; scripts/install-system-deps.sh installs them).
//
//   const pg = require('./postgres');
//   const { DATABASE_URL } = pg.start();   // synchronous: initdb + pg_ctl start + createdb
//   ...
//   pg.stop();                             // fast shutdown, data directory removed
//
// If DATABASE_URL is already set, start() leaves it alone and starts nothing. PostgreSQL refuses to
// run as root, so when the tests run as root the cluster is created and run as the `postgres` system
// user (runuser), in a temporary directory that user owns. Authentication is `trust`: the server only
// listens on 127.0.0.1 and its Unix socket lives in that private directory.
'use strict';
const { freePort } = require('./processes');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DATABASE = 'cptflow_test';
const START_TIMEOUT_S = 60;
const STOP_TIMEOUT_S = 30;
const PORT_ATTEMPTS = 3;

let cluster = null; // { dir, dataDir, bin, port, runAs, url }

function findServerBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (run scripts/install-system-deps.sh, ' +
        'or set DATABASE_URL to an existing server, or PG_BIN to the directory holding initdb and pg_ctl)',
    );
  }
  versions.sort((a, b) => Number(b) - Number(a));
  return path.join(root, versions[0], 'bin');
}

// The user the server runs as: ourselves, unless we are root (postgres will not start as root).
function serverUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const ids = (flag) => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error('tests run as root but there is no `postgres` system user to run the server as');
    return Number(r.stdout.trim());
  };
  return { name: 'postgres', uid: ids('-u'), gid: ids('-g') };
}

function run(runAs, program, args, timeoutS) {
  const [cmd, argv] = runAs ? ['runuser', ['-u', runAs.name, '--', program, ...args]] : [program, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: timeoutS * 1000, cwd: os.tmpdir() });
  if (r.error) return { ok: false, output: String(r.error) };
  return { ok: r.status === 0, output: `${r.stdout || ''}${r.stderr || ''}` };
}

function tail(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no server log)';
  }
}

function start() {
  if (process.env.DATABASE_URL) return { DATABASE_URL: process.env.DATABASE_URL };
  if (cluster) return { DATABASE_URL: cluster.url };

  const bin = findServerBin();
  const runAs = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-pg-'));
  if (runAs) fs.chownSync(dir, runAs.uid, runAs.gid);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const state = { dir, dataDir, logFile, bin, runAs, port: 0, url: '', running: false, serverOptions: '' };
  cluster = state;
  process.once('exit', stop);

  try {
    const init = run(runAs, path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '-N'], START_TIMEOUT_S);
    if (!init.ok) throw new Error(`initdb failed:\n${init.output}`);

    let lastError = '';
    for (let attempt = 0; attempt < PORT_ATTEMPTS && !state.running; attempt++) {
      const port = freePort();
      // fsync off and no full-page writes: a test cluster that dies with the run needs no durability.
      const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
      const started = run(runAs, path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S), '-o', serverOptions, 'start'], START_TIMEOUT_S + 10);
      if (started.ok) {
        state.port = port;
        state.serverOptions = serverOptions;
        state.running = true;
      } else {
        lastError = `${started.output}\n${tail(logFile)}`;
      }
    }
    if (!state.running) throw new Error(`pg_ctl start failed after ${PORT_ATTEMPTS} attempts:\n${lastError}`);

    const created = run(runAs, path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(state.port), '-U', 'postgres', DATABASE], 30);
    if (!created.ok) throw new Error(`createdb failed:\n${created.output}`);
  } catch (err) {
    stop();
    throw err;
  }

  state.url = `postgres://postgres@127.0.0.1:${state.port}/${DATABASE}`;
  return { DATABASE_URL: state.url };
}

function stop() {
  const state = cluster;
  if (!state) return;
  cluster = null;
  process.removeListener('exit', stop);
  if (state.running) {
    const stopped = run(state.runAs, path.join(state.bin, 'pg_ctl'), ['-D', state.dataDir, '-m', 'fast', '-w', '-t', String(STOP_TIMEOUT_S), 'stop'], STOP_TIMEOUT_S + 10);
    if (!stopped.ok) killPostmaster(state.dataDir);
  }
  fs.rmSync(state.dir, { recursive: true, force: true });
}

// Last resort when pg_ctl could not stop the server: the postmaster's pid is the first line of
// postmaster.pid; SIGQUIT is PostgreSQL's immediate shutdown, which also ends its children.
function killPostmaster(dataDir) {
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    spawnSync('sleep', ['0.1']);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * Crash-restarts the cluster this process started, on the same port: an immediate shutdown (no
 * checkpoint, as after a power cut), `downMs` without a server, then a start (crash recovery).
 * Only for a cluster `start()` made here, i.e. with DATABASE_URL unset when it was called.
 */
function restart(downMs = 0) {
  const state = cluster;
  if (!state || !state.running) throw new Error('restart(): no PostgreSQL cluster was started by this process');
  const pgCtl = path.join(state.bin, 'pg_ctl');
  const stopped = run(state.runAs, pgCtl, ['-D', state.dataDir, '-m', 'immediate', '-w', '-t', String(STOP_TIMEOUT_S), 'stop'], STOP_TIMEOUT_S + 10);
  if (!stopped.ok) killPostmaster(state.dataDir);
  if (downMs > 0) spawnSync('sleep', [String(downMs / 1000)]);
  const started = run(state.runAs, pgCtl, ['-D', state.dataDir, '-l', state.logFile, '-w', '-t', String(START_TIMEOUT_S), '-o', state.serverOptions, 'start'], START_TIMEOUT_S + 10);
  if (!started.ok) throw new Error(`pg_ctl start after the restart failed:\n${started.output}\n${tail(state.logFile)}`);
}

module.exports = { start, stop, restart };
