// A throwaway Redis server on loopback for the test suite (Debian's `redis-server` package).
//
//   const { REDIS_URL } = require('./redis').start();   // synchronous; {} when redis-server is absent
//   require('./redis').stop();
//
// If REDIS_URL is already set, nothing is started. Persistence is off: the data dies with the run.
// Suites that need Redis should skip with a clear message when REDIS_URL is not set.
'use strict';
const { sleepSync, freePort, isAlive } = require('./processes');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const START_TIMEOUT_MS = 20_000;

let server = null; // { pid, dir, url }

function findRedisServer() {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, 'redis-server');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/** True once the server answers PING with PONG. */
function answersPing(port) {
  const probe = `
    const s = require('net').connect(${port}, '127.0.0.1');
    s.setTimeout(1000, () => process.exit(1));
    s.on('error', () => process.exit(1));
    s.on('connect', () => s.write('PING\\r\\n'));
    s.on('data', (d) => process.exit(String(d).startsWith('+PONG') ? 0 : 1));`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

function start() {
  if (process.env.REDIS_URL) return { REDIS_URL: process.env.REDIS_URL };
  if (server) return { REDIS_URL: server.url };
  const binary = findRedisServer();
  if (!binary) {
    process.stderr.write('[redis] redis-server not installed; suites that need Redis will skip\n');
    return {};
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-redis-'));
  const port = freePort();
  const out = fs.openSync(path.join(dir, 'server.log'), 'a');
  // The watchdog shell ends the server as soon as the test run's process is gone, however it died.
  const script = `"$0" "$@" & rp=$!; trap 'kill $rp 2>/dev/null; wait $rp; exit' TERM INT;
    while kill -0 ${process.pid} 2>/dev/null && kill -0 $rp 2>/dev/null; do sleep 1 & wait $!; done;
    kill $rp 2>/dev/null; wait $rp`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'];
  const child = spawn('/bin/sh', ['-c', script, binary, ...args], { stdio: ['ignore', out, out] });
  child.unref();
  fs.closeSync(out);
  server = { pid: child.pid, dir, url: `redis://127.0.0.1:${port}` };
  process.once('exit', stop);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!answersPing(port)) {
    if (!isAlive(child.pid) || Date.now() > deadline) {
      const logText = fs.readFileSync(path.join(dir, 'server.log'), 'utf8');
      stop();
      throw new Error(`redis-server did not start on port ${port}:\n${logText}`);
    }
    sleepSync(100);
  }
  return { REDIS_URL: server.url };
}

function stop() {
  const state = server;
  if (!state) return;
  server = null;
  process.removeListener('exit', stop);
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const deadline = Date.now() + 5000;
  while (isAlive(state.pid) && Date.now() < deadline) sleepSync(50);
  if (isAlive(state.pid)) {
    try {
      process.kill(state.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  fs.rmSync(state.dir, { recursive: true, force: true });
}

module.exports = { start, stop };
