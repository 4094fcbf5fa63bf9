// Evaluation jobs survive kill -9: main.ts as a process (SQLite, in-process bus) is asked over the API
// to evaluate a stored checkpoint, killed with SIGKILL once part of the tasks are stored, and started
// again. The job is claimed again when its lease runs out, scores only what is missing, and ends
// with every result stored exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixturesDir } from '@cptflow/evaluation/testing';
import { openResultsStore } from '@cptflow/results';

const main = path.resolve(__dirname, '..', '..', 'services', 'evaluator', 'src', 'main.js');
const TOKEN = 'jobs-crash-token-0123456789';
const TASKS = ['arc_easy', 'boolq', 'piqa', 'winogrande', 'hellaswag'];
const LIMIT = 60;

function start(dir: string): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'CPTFLOW_CONFIG', 'OTEL_EXPORTER_OTLP_ENDPOINT']) delete env[name];
  const child = spawn(process.execPath, [main], {
    env: {
      ...env,
      CPTFLOW__STAGES__EVALUATOR__TASK_DATA_DIR: path.join(fixturesDir(), 'data'),
      CPTFLOW__STAGES__EVALUATOR__TASKS: JSON.stringify(TASKS),
      CPTFLOW__STAGES__EVALUATOR__SQLITE_PATH: path.join(dir, 'results.sqlite'),
      CPTFLOW__STAGES__EVALUATOR__JOBS__LEASE_MS: '1500',
      CPTFLOW__STAGES__EVALUATOR__JOBS__POLL_MS: '100',
      EVALUATOR_API_TOKEN: TOKEN,
      CPTFLOW__HTTP__PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = new Promise<string>((resolve, reject) => {
    const deadline = Date.now() + 30_000;
    const poll = setInterval(() => {
      const m = /listening on (http:\/\/\S+);/.exec(output);
      if (m || Date.now() > deadline || child.exitCode !== null) {
        clearInterval(poll);
        if (m) resolve(m[1]);
        else reject(new Error(`evaluator did not start:\n${output}`));
      }
    }, 20);
  });
  return { child, url, output: () => output };
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

test('an evaluation job killed with SIGKILL mid-evaluation resumes after a restart; no result is lost or doubled', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-jobs-crash-'));
  const store = await openResultsStore({ sqlitePath: path.join(dir, 'results.sqlite') });
  const children: ChildProcess[] = [];
  try {
    const modelDir = path.join(fixturesDir(), 'model');
    const checkpoint = await store.results.recordCheckpoint({ run: 'crash', step: 1, tokensSeen: 1, path: modelDir, hfPath: modelDir, isBase: true });

    const first = start(dir);
    children.push(first.child);
    const url = await first.url;
    const res = await fetch(`${url}/evaluations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ checkpointId: checkpoint.id, limit: LIMIT }),
    });
    assert.equal(res.status, 202, await res.clone().text());
    const { evaluationId } = (await res.json()) as { evaluationId: string };

    // Kill once part of the tasks are stored and the job is still running.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const stored = (await store.results.resultsOf(checkpoint.id)).results.length;
      const job = await store.jobs.find(evaluationId);
      assert.notEqual(job?.state, 'done', 'the evaluation finished before it could be killed');
      if (stored > 0 && job?.state === 'running') break;
      assert.ok(Date.now() < deadline, `no progress:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    first.child.kill('SIGKILL');
    await exited(first.child);
    const storedBeforeKill = new Set((await store.results.resultsOf(checkpoint.id)).results.map((r) => r.task));
    assert.ok(storedBeforeKill.size < TASKS.length, 'killed mid-evaluation');

    const second = start(dir);
    children.push(second.child);
    const url2 = await second.url;
    let job: { state: string; attempts: number; outcome: Array<{ evaluated: string[]; skipped: string[] }> } | undefined;
    for (const until = Date.now() + 90_000; ; ) {
      job = (await (await fetch(`${url2}/evaluations/${evaluationId}`)).json()) as typeof job;
      if (job!.state === 'done' || job!.state === 'dead') break;
      assert.ok(Date.now() < until, `the job did not resume:\n${second.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(job!.state, 'done', JSON.stringify(job));
    assert.equal(job!.attempts, 2);
    // The second attempt skipped what the first had stored and scored only the rest.
    assert.deepEqual(new Set(job!.outcome[0].skipped), storedBeforeKill);
    assert.deepEqual([...job!.outcome[0].evaluated, ...job!.outcome[0].skipped].sort(), [...TASKS].sort());
    const results = (await store.results.resultsOf(checkpoint.id)).results;
    assert.deepEqual([...new Set(results.map((r) => r.task))].sort(), [...TASKS].sort());
    const keys = results.map((r) => `${r.task}/${r.metric}`);
    assert.equal(new Set(keys).size, keys.length, 'no result twice');
    for (const r of results) {
      assert.ok(r.n > 0 && r.n <= LIMIT, `${r.task}/${r.metric}: n ${r.n}`);
      assert.equal((await store.results.samplesOf(checkpoint.id, r.task, r.metric, 1, 500)).total, r.n, `${r.task}/${r.metric}: one sample per document`);
    }
    second.child.kill('SIGTERM');
    await exited(second.child);
    assert.equal(second.child.exitCode, 0, second.output());
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
