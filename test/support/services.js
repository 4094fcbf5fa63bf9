// What the integration tests need, started on loopback before the test runner (scripts/run-tests.js):
// Kafka always; PostgreSQL and Redis when their support modules exist (each starts nothing when its
// env var already points at a running server). Returns the env vars the tests read.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const started = [];

function startOne(name) {
  const file = path.join(__dirname, `${name}.js`);
  if (!fs.existsSync(file)) return {};
  const service = require(file);
  const env = service.start();
  started.push(service);
  return env;
}

function start() {
  const env = {};
  try {
    for (const name of ['kafka', 'postgres', 'redis']) Object.assign(env, startOne(name));
  } catch (err) {
    stop();
    throw err;
  }
  return env;
}

function stop() {
  // Reverse order of start; one failing stop must not leave the others running.
  while (started.length) {
    const service = started.pop();
    try {
      service.stop();
    } catch (err) {
      process.stderr.write(`[services] stop failed: ${err && err.message}\n`);
    }
  }
}

module.exports = { start, stop };
