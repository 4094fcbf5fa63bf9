// `cptflow results` as a process against a real SQLite results database and against the evaluator's
// real results API (Nest on 127.0.0.1) over the same data: scores per checkpoint, the change against
// the base model, and stored samples with their prompt and continuation text.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { openResultsStore, ResultsError, type ResultsStore } from '@cptflow/results';
import { createResultsApiApp } from '@cptflow/nest-host';
import { runCli } from '../support/cli-process';

const settings = { numFewshot: 5, limit: null, harnessVersion: '0.4.13' };

const cptflow = (args: string[]) => runCli(args, 60_000);

describe('cptflow results', () => {
  let dir: string;
  let dbFile: string;
  let store: ResultsStore;
  let app: INestApplication;
  let apiUrl: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-results-'));
    dbFile = path.join(dir, 'results.sqlite');
    store = await openResultsStore({ sqlitePath: dbFile });
    const r = store.results;
    const base = await r.recordCheckpoint({ run: 'cpt-replay', step: 0, tokensSeen: 0, path: '/ckpt/base', isBase: true });
    const step = await r.recordCheckpoint({ run: 'cpt-replay', step: 40, tokensSeen: 40_960, path: '/ckpt/40', isBase: false });
    const requests = [' A', ' B'].map((c) => ({ context: 'Question: Which gas do plants take in?\nAnswer:', continuation: c }));
    await r.recordResults(base.id, [
      { task: 'arc_easy', metric: 'acc', value: 0.25, stderr: 0.1637, n: 8, settings },
      { task: 'heldout_domain', metric: 'token_perplexity', value: 80.5, stderr: null, n: 24, settings },
    ]);
    await r.recordResults(step.id, [
      { task: 'arc_easy', metric: 'acc', value: 0.375, stderr: 0.183, n: 8, settings, samples: [{ docIndex: 0, predicted: 1, gold: 1, correct: true, logprobs: [-7.5, -2.25], requests }] },
      { task: 'heldout_domain', metric: 'token_perplexity', value: 61.25, stderr: null, n: 24, settings },
    ]);
    app = await createResultsApiApp({
      results: r,
      trigger: { evaluation: async () => null, requestEvaluation: async () => { throw ResultsError.invalid('not in this test'); } },
      apiTokens: ['results-command-test-token'],
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    apiUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  after(async () => {
    await app?.close();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function assertOverview(stdout: string): void {
    assert.match(stdout, /^cpt-replay: scores per checkpoint/m);
    assert.match(stdout, /^base\s+0\s+arc_easy\s+acc\s+0\.2500\s+0\.1637\s+8\s+5\s*$/m);
    assert.match(stdout, /^step 40\s+40960\s+arc_easy\s+acc\s+0\.3750\s+0\.1830\s+8\s+5\s+\+0\.1250$/m);
    assert.match(stdout, /^step 40\s+40960\s+heldout_domain\s+token_perplexity\s+61\.2500\s+n\/a\s+24\s+5\s+-19\.2500$/m);
  }

  it('reads a results database: every task per checkpoint with the change against the base', async () => {
    const r = await cptflow(['results', '--db', dbFile]);
    assert.equal(r.code, 0, r.stderr);
    assertOverview(r.stdout);
  });

  it("reads the evaluator's API the same way", async () => {
    const r = await cptflow(['results', '--api', apiUrl]);
    assert.equal(r.code, 0, r.stderr);
    assertOverview(r.stdout);
  });

  it('filters by run and task, and prints stored samples with their prompt and continuation text', async () => {
    const r = await cptflow(['results', '--api', apiUrl, '--run', 'cpt-replay', '--task', 'arc_easy', '--samples', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /heldout_domain/);
    assert.match(r.stdout, /cpt-replay step 40: arc_easy\/acc, first 1 of 1 samples/);
    assert.match(r.stdout, /> -2\.2500  "Question: Which gas do plants take in\?\\nAnswer:" \+ " B"/);
  });

  it('exits 2 naming the problem: no source, two sources, an unknown run, an unreachable API', async () => {
    const none = await cptflow(['results']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give one source: --api URL or --db FILE/);
    const unknown = await cptflow(['results', '--db', dbFile, '--run', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /run nope does not exist/);
    const missing = await cptflow(['results', '--db', path.join(dir, 'absent.sqlite')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no results database at/);
    const down = await cptflow(['results', '--api', 'http://127.0.0.1:9/']);
    assert.equal(down.code, 2);
    assert.match(down.stderr, /cannot reach the results API/);
    assert.doesNotMatch(`${none.stderr}${unknown.stderr}${down.stderr}`, /\n\s+at /);
  });
});
