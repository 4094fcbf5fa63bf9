// main.ts as a process: configuration from the environment, the in-process bus, SQLite; it serves
// /ready, /health and the OpenAPI document, and SIGTERM drains and exits 0. A bad configuration
// stops it at start with the field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const main = path.resolve(__dirname, '..', '..', 'services', 'evaluator', 'src', 'main.js');

function baseEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KAFKA_BROKERS;
  delete env.DATABASE_URL;
  delete env.CPTFLOW_CONFIG;
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const fixtures = path.resolve(__dirname, '..', '..', '..', 'libs', 'evaluation', 'fixtures', 'eval', 'data');
  return {
    ...env,
    CPTFLOW__STAGES__EVALUATOR__TASK_DATA_DIR: fixtures,
    CPTFLOW__STAGES__EVALUATOR__TASKS: '["arc_easy","boolq"]',
    EVALUATOR_API_TOKEN: 'main-test-token-0123456789', CPTFLOW__STAGES__EVALUATOR__SQLITE_PATH: path.join(dir, 'db', 'results.sqlite'), CPTFLOW__HTTP__PORT: '0',
  };
}

test('main.ts starts on the in-process bus, reports ready, and drains on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-evaluator-main-'));
  const child = spawn(process.execPath, [main], { env: baseEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening on" line:\n${output}`)), 30_000);
      const poll = setInterval(() => {
        const m = /listening on (http:\/\/\S+);/.exec(output);
        if (m) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(m[1]);
        }
      }, 50);
    });
    let ready = await fetch(`${url}/ready`);
    for (let i = 0; i < 50 && ready.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await fetch(`${url}/ready`);
    }
    assert.equal(ready.status, 200, JSON.stringify(await ready.json()));
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const openapi = (await (await fetch(`${url}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
    assert.ok(openapi.paths['/runs'] && openapi.paths['/evaluations'] && openapi.paths['/ready'], Object.keys(openapi.paths).join(', '));
    assert.ok(fs.existsSync(path.join(dir, 'db', 'results.sqlite')), 'SQLite file created where configured');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /SIGTERM: draining/);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad evaluator configuration or missing task files stop main.ts at start, saying what is wrong', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-evaluator-main-'));
  try {
    const start = (extra: NodeJS.ProcessEnv) => spawnSync(process.execPath, [main], { env: { ...baseEnv(dir), ...extra }, encoding: 'utf8', timeout: 30_000 });
    const bad = start({ CPTFLOW__STAGES__EVALUATOR__BATCH_SIZE: '0' });
    assert.equal(bad.status, 2, 'a bad setting exits 2, as every service');
    assert.match(bad.stderr, /failed to start: invalid stage settings[^\n]*:\n {2}- stages\.evaluator\.batchSize: /);
    const noFiles = start({ CPTFLOW__STAGES__EVALUATOR__TASK_DATA_DIR: path.join(dir, 'nowhere') });
    assert.equal(noFiles.status, 2, 'missing task files are a setting the user must fix: exit 2, as for any bad setting');
    // every configured task's missing split is named with the paths tried (libs/evaluation/src/eval's selectTasks, as `cptflow eval`)
    assert.match(noFiles.stderr, /failed to start: missing arc_easy \(split "test"\) under \S*nowhere: tried [^\n]*allenai\/ai2_arc\//);
    assert.match(noFiles.stderr, /\nmissing boolq \(split "validation"\)/);
    const notSqlite = path.join(dir, 'results.txt');
    fs.writeFileSync(notSqlite, 'these are my notes, not a database\n'.repeat(100));
    const notDb = start({ CPTFLOW__STAGES__EVALUATOR__SQLITE_PATH: notSqlite });
    assert.equal(notDb.status, 2, `a results file that is no SQLite database is the user's to fix: ${notDb.stderr}`);
    assert.match(notDb.stderr, /failed to start: \S*results\.txt is not a SQLite results database/);
    const definitions = path.join(dir, 'definitions');
    fs.mkdirSync(definitions);
    fs.writeFileSync(path.join(definitions, 'mine.json'), '{"name": "mine", ');
    const badDefinition = start({ CPTFLOW__STAGES__EVALUATOR__TASK_DEFINITIONS_DIR: definitions });
    assert.equal(badDefinition.status, 2, badDefinition.stderr);
    assert.match(badDefinition.stderr, /failed to start: \S*mine\.json: not valid JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
