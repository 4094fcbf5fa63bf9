// Small process and port helpers shared by the synchronous launchers (kafka.js, postgres.js, redis.js),
// which run before any test file and so cannot await.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * `count` distinct ports the kernel considers free on 127.0.0.1 right now (all held at once while they
 * are chosen, so they differ). The tiny race with other processes is the callers' to retry.
 */
function freePorts(count) {
  const probe = `
    const net = require('node:net');
    const servers = [];
    let pending = ${count};
    for (let i = 0; i < ${count}; i++) {
      const s = net.createServer();
      servers.push(s);
      s.listen(0, '127.0.0.1', () => {
        if (--pending === 0) {
          process.stdout.write(JSON.stringify(servers.map((x) => x.address().port)));
          servers.forEach((x) => x.close());
        }
      });
    }`;
  const out = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 10_000 });
  if (out.status !== 0) throw new Error(`cannot find free ports: ${out.stderr || out.error}`);
  return JSON.parse(out.stdout);
}

function freePort() {
  return freePorts(1)[0];
}

function isAlive(pid) {
  // A child that exited while we block synchronously is a zombie until the event loop reaps it, and
  // kill(pid, 0) still succeeds on zombies; /proc tells them apart.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch (err) {
    if (err.code === 'ENOENT') return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

module.exports = { sleepSync, freePorts, freePort, isAlive };
