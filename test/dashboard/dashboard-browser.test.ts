// Issue 13 in a real browser: a short real run (pipeline -> trainer -> evaluator on the in-process bus,
// SQLite) while Debian's headless Chromium (driven by playwright-core, which never downloads a browser)
// keeps the evaluator's dashboard open. The page must say so in words when there is nothing to show,
// draw one point per checkpoint, show the API's numbers in its task table, update by itself when a
// checkpoint arrives, name an unknown run, and survive the database going away. The static report
// (`cptflow run`'s report.html) draws the same data the same way. Screenshots go to
// test-artifacts/dashboard/ (gitignored).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig, type MemoryBus } from '@cptflow/platform';
import { fixturesDir } from '@cptflow/evaluation/testing';
import { LocalPipeline, trainLocally, type LocalTrainingResult } from '@cptflow/local-run';
import { initParameters, toHfConfigJson } from '@cptflow/model';
import { buildDashboardData, renderDashboardPage } from '@cptflow/results';
import { writeHfExport } from '@cptflow/training';
import { CORPORA, REPO_ROOT, TINY_LLAMA2, testBus } from '@cptflow/training/testing';
import { EvaluatorApp } from '../../services/evaluator/src/evaluator.app';
import { evaluatorSchema } from '@cptflow/evaluation';
import { loadCorpus } from '@cptflow/data';

const RUN = 'cpt-dashboard';
const SEQ_LEN = 64;
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'dashboard');

/** Debian's chromium package, found on PATH (never a browser playwright downloads). */
function systemChromium(): string | null {
  if (process.env.CPTFLOW_CHROMIUM) return process.env.CPTFLOW_CHROMIUM;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) return file;
    }
  }
  return null;
}

const executable = systemChromium();
const skip = executable ? false : 'no chromium on PATH: bash scripts/install-system-deps.sh installs Debian\'s package';

let dir: string;
let bus: MemoryBus;
let evaluator: EvaluatorApp;
let browser: Browser;
let page: Page;

async function api(route: string): Promise<any> {
  const response = await fetch(`${evaluator.url}${route}`);
  const text = await response.text();
  assert.equal(response.status, 200, `${route}: ${text}`);
  return JSON.parse(text);
}

/** What the page drew: points per series of every chart, renders, and the message shown. */
function drawn(p: Page) {
  return p.evaluate(() => {
    // Runs in the page (this project compiles without the DOM typings).
    const browserGlobal = globalThis as any;
    const state = browserGlobal.cptflowDashboard;
    const points: Record<string, Record<string, number>> = {};
    for (const [id, chart] of Object.entries<any>(state.charts)) points[id] = chart.points;
    return { points, renders: state.renders as number, message: browserGlobal.document.getElementById('message').textContent as string };
  });
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-dashboard-'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  bus = testBus(); // one partition, quiet about the trainer's flow control
  const config = loadConfig({ env: {}, overrides: { bus: { kind: 'memory' }, stages: { packer: { seqLen: SEQ_LEN } } } });
  evaluator = await EvaluatorApp.start({
    config,
    bus,
    logger: false,
    log: () => undefined,
    evaluator: evaluatorSchema.parse({
      tasks: ['piqa'],
      taskDataDir: path.join(fixturesDir(), 'data'),
      limit: 6,
      heldout: [
        { name: 'heldout_domain', path: path.join(CORPORA, 'domain.heldout.jsonl.gz'), maxDocuments: 2 },
        { name: 'heldout_general', path: path.join(CORPORA, 'general.heldout.jsonl.gz'), maxDocuments: 2 },
      ],
      perplexityMaxLength: SEQ_LEN,
      apiTokens: ['dashboard-test-token-0123456789'],
      sqlitePath: path.join(dir, 'results.sqlite'),
      dashboardPollMs: 400,
    }),
  });
  browser = await chromium.launch({ executablePath: executable!, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
});

after(async () => {
  await browser?.close();
  await evaluator?.stop();
  await bus?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the dashboard follows a real run in Chromium', { skip, timeout: 240_000 }, async () => {
  // An empty database: the page says so, in words.
  await page.goto(`${evaluator.url}/`);
  await until('the empty-database sentence', () => drawn(page), (d) => /No runs yet/.test(d.message));

  // A short real run: the document pipeline, then continued pre-training of a tiny LLaMA from its
  // base export, checkpointing every 16 steps; each checkpoint is evaluated as it arrives.
  const config = loadConfig({ env: {}, overrides: { bus: { kind: 'memory' }, stages: { packer: { seqLen: SEQ_LEN } } } });
  const pipeline = await LocalPipeline.start({ config, bus });
  const corpus = path.join(dir, 'domain.jsonl');
  fs.writeFileSync(corpus, loadCorpus('domain').slice(0, 300).map((d) => JSON.stringify(d)).join('\n') + '\n');
  await pipeline.ingest({ path: corpus, corpus: 'domain' });
  const counts = await pipeline.settle();
  const { dir: baseDir } = await writeHfExport(path.join(dir, 'base'), toHfConfigJson(TINY_LLAMA2), initParameters(TINY_LLAMA2, 11), pipeline.tokenizer.tokenizerPath);
  const tokensPerStep = 2 * 4 * SEQ_LEN;
  const training: Promise<LocalTrainingResult> = trainLocally({
    run: RUN,
    bus,
    topics: config.topics,
    model: { kind: 'base', dir: baseDir },
    tokenizer: pipeline.tokenizer,
    seqLen: SEQ_LEN,
    batchRows: 4,
    tokensPerStep,
    schedule: { kind: 'cosine', peakLr: 3e-3, warmupSteps: 4, totalSteps: 48, minLrRatio: 0.1 },
    checkpointDir: path.join(dir, 'checkpoints'),
    checkpointEveryTokens: 16 * tokensPerStep,
    maxTokens: 48 * tokensPerStep,
  });

  // While it trains: the page draws the base and the first checkpoint, then updates by itself
  // (no reload) when the next checkpoint's scores arrive.
  const ppl = 'perplexity-heldout_domain';
  const early = await until('base + first checkpoint on the page', () => drawn(page), (d) => (d.points[ppl]?.[RUN] ?? 0) >= 2, 120_000);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-first-checkpoint.png'), fullPage: true });
  const later = await until('a later checkpoint on the same page', () => drawn(page), (d) => (d.points[ppl]?.[RUN] ?? 0) > early.points[ppl]![RUN]!, 120_000);
  assert.ok(later.renders > early.renders, 'the page re-drew itself without a reload');
  const trained = await training;
  await pipeline.stop();

  // Every checkpoint evaluated: then the page must hold exactly one point per checkpoint.
  const checkpoints = await until(
    'every checkpoint evaluated',
    async () => (await api(`/runs/${RUN}/checkpoints?pageSize=100`)).items as Array<{ id: number; isBase: boolean; step: number }>,
    (items) => items.filter((c) => !c.isBase).length === 3 && items.some((c) => c.isBase),
    120_000,
  );
  const results = new Map<number, any[]>();
  await until('every checkpoint scored', async () => {
    for (const c of checkpoints) results.set(c.id, (await api(`/checkpoints/${c.id}/results`)).results);
    return [...results.values()].map((r) => r.length);
  }, (lengths) => lengths.every((n) => n === 2 + 8)); // piqa acc + acc_norm, 4 perplexity metrics x 2 sets
  const curve = await api(`/runs/${RUN}/training-metrics`);
  assert.equal(curve.points.length, trained.status.step, 'every optimizer step reached the evaluator');
  const perCheckpoint = ['perplexity-heldout_domain', 'perplexity-heldout_general', 'task-piqa-acc', 'task-piqa-acc_norm'];
  const perStep = ['training-loss', 'training-lr', 'training-gradNorm', 'training-tokensPerSecond'];
  // The page polls: wait for the poll after the last score, then every chart must agree.
  const final = await until('the final state on the page', () => drawn(page), (d) =>
    perCheckpoint.every((chart) => d.points[chart]?.[RUN] === checkpoints.length) && perStep.every((chart) => d.points[chart]?.[RUN] === curve.points.length),
  );
  assert.deepEqual(Object.keys(final.points).sort(), [...perCheckpoint, ...perStep].sort(), 'no chart beyond these');

  // The task table shows the API's numbers: scores and stderr as stored, deltas as /compare gives them.
  const cells = await page.$$eval('#task-table td.score', (tds) =>
    tds.map((td) => ({
      checkpoint: Number(td.closest('tr')!.getAttribute('data-checkpoint')),
      task: td.getAttribute('data-task'),
      metric: td.getAttribute('data-metric'),
      value: td.getAttribute('data-value'),
      stderr: td.getAttribute('data-stderr'),
      delta: td.getAttribute('data-delta'),
      text: td.querySelector('.value')!.textContent,
    })),
  );
  assert.equal(cells.length, checkpoints.length * 2, 'piqa acc and acc_norm for every checkpoint');
  for (const c of checkpoints) {
    const comparison = c.isBase ? null : await api(`/compare?a=base&b=${c.id}`);
    for (const metric of ['acc', 'acc_norm']) {
      const fromApi = results.get(c.id)!.find((r) => r.task === 'piqa' && r.metric === metric);
      const cell = cells.find((x) => x.checkpoint === c.id && x.metric === metric)!;
      assert.equal(cell.value, String(fromApi.value), `checkpoint ${c.id} ${metric} value`);
      assert.equal(cell.stderr, String(fromApi.stderr), `checkpoint ${c.id} ${metric} stderr`);
      assert.equal(cell.text, fromApi.value.toFixed(4));
      if (comparison) assert.equal(cell.delta, String(comparison.deltas.find((d: any) => d.task === 'piqa' && d.metric === metric).delta));
    }
  }

  // The pipeline's accounting reached the page through the accounting topic.
  const filterRow = await page.$$eval('#pipeline-table tr[data-stage="quality-filter"] td', (tds) => tds.map((td) => td.textContent));
  assert.equal(filterRow[1], counts.ingested.toLocaleString('en-US'), 'documents in = documents ingested');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

  // The static report draws the same data with the same page.
  const reportFile = path.join(ARTIFACTS, 'report.html');
  fs.writeFileSync(reportFile, renderDashboardPage({ mode: 'static', data: await buildDashboardData(evaluator.store.results, evaluator.store.telemetry) }, 'cptflow run'));
  const report = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await report.goto(`file://${reportFile}`);
  const fromReport = await until('the static report drawn', () => drawn(report), (d) => d.renders === 1);
  assert.deepEqual(fromReport.points, final.points, 'the report and the live page draw the same points');
  await report.goto(`file://${reportFile}?run=nope`);
  await until('the report naming an unknown run', () => drawn(report), (d) => /no run named "nope"/.test(d.message));
  await report.close();

  // An unknown run is named; nothing else is drawn.
  const unknown = await browser.newPage();
  await unknown.goto(`${evaluator.url}/?run=no-such-run`);
  const missing = await until('the unknown-run sentence', () => drawn(unknown), (d) => /Unknown run "no-such-run"/.test(d.message));
  assert.deepEqual(missing.points, {});
  await unknown.close();

  // The database goes away: the open page says so instead of going blank.
  await evaluator.store.dataSource.destroy();
  const down = await until('the database-down sentence', () => drawn(page), (d) => /results database is not answering/.test(d.message));
  assert.ok(Object.keys(down.points).length > 0, 'the last numbers stay on the page');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-database-down.png') });
});
