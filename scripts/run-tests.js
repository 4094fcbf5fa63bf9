#!/usr/bin/env node
// The test command: runs every compiled *.test.js under dist/ with Node's test runner.
// Integration suites need a Kafka broker and PostgreSQL; test/support/services.js starts them
// on loopback unless KAFKA_BROKERS / DATABASE_URL already point at running ones.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function findTests(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

// test/structure checks the source tree's import rules: no broker or database, so it is a unit test.
const structure = path.join(dist, 'test', 'structure');
const isStructure = (f) => f.startsWith(structure + path.sep);
let files = [...findTests(path.join(dist, 'libs')), ...findTests(path.join(dist, 'services')), ...findTests(structure)];
if (!unitOnly) files.push(...findTests(path.join(dist, 'test')).filter((f) => !isStructure(f)));
if (filters.length) files = files.filter((f) => filters.some((flt) => f.includes(flt)));
files.sort();
if (files.length === 0) {
  console.error('no test files found under dist/ (did the build run?)');
  process.exit(1);
}

const env = { ...process.env };
let stopServices = () => {};
const needsServices = !unitOnly && files.some((f) => f.includes(`${path.sep}test${path.sep}`) && !isStructure(f));
if (needsServices) {
  const support = path.join(root, 'test', 'support', 'services.js');
  if (fs.existsSync(support)) {
    const services = require(support);
    Object.assign(env, services.start());
    stopServices = services.stop;
  }
}

// --test-force-exit: a test file that fails before releasing a worker or a socket must not hang the run;
// --test-timeout bounds any single test that names no timeout of its own.
const args = ['--test', '--test-reporter=spec', '--test-force-exit', '--test-timeout=600000', ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env, cwd: root });
stopServices();
process.exit(result.status ?? 1);
