// The dashboard routes over real HTTP against a real SQLite store, fed through the evaluator's
// telemetry intake: data and sentences for the page, 404 / 400 / 503 in words, OpenAPI entries.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import {
  codecFor,
  DeadLetter,
  StageAccounting,
  TrainingMetrics,
  type ConsumedRecord,
  loadConfig,
  deadLetterTopic,
  MemoryBus,
} from '@cptflow/platform';
import { openResultsStore, type ResultsStore } from '@cptflow/results';
import { ingestToBus, INGEST_STAGE, StageAccounting as Accounting, StageAccountingPublisher } from '@cptflow/data';
import { TelemetryIntake } from '@cptflow/evaluation';
import { createResultsApiApp } from './results-api.app';

const TOKEN = 'dashboard-api-token-0123456789';
const METRICS = 'cpt.metrics.training';
const ACCOUNTING = 'cpt.metrics.accounting';
const metricsCodec = codecFor<TrainingMetrics>(TrainingMetrics);
const accountingCodec = codecFor<StageAccounting>(StageAccounting);
const deadLetterCodec = codecFor<DeadLetter>(DeadLetter);

function record(topic: string, value: Uint8Array, offset: number): ConsumedRecord {
  return { topic, partition: 0, offset: String(offset), value: Buffer.from(value), headers: {} };
}

describe('dashboard routes', () => {
  let dir: string;
  let store: ResultsStore;
  let app: INestApplication;
  let url: string;

  const get = async (route: string) => {
    const response = await fetch(`${url}${route}`);
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text, body: text.startsWith('{') ? JSON.parse(text) : null };
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-dashboard-api-'));
    store = await openResultsStore({ sqlitePath: path.join(dir, 'results.sqlite') });
    app = await createResultsApiApp({ results: store.results, telemetry: store.telemetry, trigger: { evaluation: async () => null, requestEvaluation: async () => ({ id: 'x' }) }, apiTokens: [TOKEN], logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  after(async () => {
    await app?.close();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an empty database is no runs and no accounting, not an error; the page is HTML with uPlot inline', async () => {
    const data = await get('/dashboard/data');
    assert.equal(data.status, 200);
    assert.deepEqual([data.body.runs, data.body.accounting, data.body.run], [[], [], null]);
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.type, /text\/html/);
    assert.match(page.text, /uPlot/);
    assert.match(page.text, /"dataUrl":"dashboard\/data"/);
  });

  it('the intake stores good records and dead-letters bad ones with their reason', async () => {
    const intake = new TelemetryIntake(store.telemetry, { groupId: 'g', metricsTopic: METRICS, accountingTopic: ACCOUNTING, deadLetterPrefix: 'cpt' });
    const steps = [1, 2, 3].map((step) => ({ step, tokensSeen: step * 512, loss: 4 - step / 10, lr: 1e-3, gradNorm: step === 2 ? Number.NaN : 0.7, tokensPerSecond: 900, atMs: 1_764_000_000_000 + step }));
    const out = await intake.handle({
      topic: METRICS,
      partition: 0,
      records: [
        record(METRICS, metricsCodec.encode({ run: 'cpt-a', steps }), 0),
        record(METRICS, Buffer.from([0xff, 0xff, 0xff]), 1),
        record(METRICS, metricsCodec.encode({ run: 'cpt-a', steps: [] }), 2),
        record(ACCOUNTING, accountingCodec.encode({ stage: 'dedup', instance: 'p1', atMs: Date.now(), recordsIn: 10, recordsOut: 8, duplicates: 2, lag: 5 }), 3),
        record(ACCOUNTING, accountingCodec.encode({ stage: 'Not A Stage', instance: 'p1', atMs: Date.now() }), 4),
      ],
    });
    assert.deepEqual(out.map((r) => r.topic), ['cpt.dlq.evaluator', 'cpt.dlq.evaluator', 'cpt.dlq.evaluator']);
    assert.deepEqual(out.map((r) => deadLetterCodec.decode(r.value).offset), ['1', '2', '4']);
    assert.match(deadLetterCodec.decode(out[1]!.value).error!, /carry no steps/);
    assert.match(deadLetterCodec.decode(out[2]!.value).error!, /stage name "Not A Stage"/);

    const curve = await get('/runs/cpt-a/training-metrics');
    assert.equal(curve.status, 200);
    assert.deepEqual(curve.body.points.map((p: { step: number; gradNorm: number | null }) => [p.step, p.gradNorm]), [[1, 0.7], [2, null], [3, 0.7]], 'NaN is stored as not measured');
    const accounting = await get('/pipeline/accounting');
    assert.deepEqual(accounting.body.stages.map((s: any) => [s.stage, s.recordsIn, s.recordsOut, s.duplicates, s.lag]), [['dedup', 10, 8, 2, 5]]);
    const data = await get('/dashboard/data?run=cpt-a');
    assert.deepEqual(data.body.runs.map((r: any) => [r.name, r.training.length, r.checkpoints.length]), [['cpt-a', 3, 0]], 'a run known only from its training steps');
  });

  it("the pipeline table starts at ingest: what ingest published (dead letters at ingest included) is its accounting", async () => {
    // What the ingest service does, on the in-process bus: read a file, publish, count what the bus accepted.
    const { topics } = loadConfig({ env: {} });
    const bus = new MemoryBus({ defaultPartitions: 1 });
    const accounting = new Accounting(INGEST_STAGE, topics);
    const file = path.join(dir, 'upload.jsonl');
    fs.writeFileSync(file, ['{"text":"Kept one.","int_score":4}', '{"text":"Kept two.","int_score":3}', '{"text":"Too plain.","int_score":1}', 'not json', '{"no_text":1}'].join('\n') + '\n');
    const summary = await ingestToBus(file, bus, {
      topics: { raw: topics.docsRaw, deadLetter: deadLetterTopic(INGEST_STAGE, topics.deadLetterPrefix), rejected: topics.docsRejected },
      reader: { minIntScore: 3 },
      publisher: { onPublished: accounting.countPublished },
    });
    assert.deepEqual([summary.documents, summary.rejected, summary.deadLetters], [2, 1, 2]);
    const publisher = new StageAccountingPublisher({ name: INGEST_STAGE }, accounting, { bus, topics, intervalMs: 60_000 });
    await publisher.start();
    await publisher.stop();

    // The evaluator's intake reads the accounting topic as it does every stage's.
    const messages: ConsumedRecord[] = [];
    const subscription = await bus.consume({ groupId: 'dashboard-test', topics: [topics.stageAccounting], handler: async (b) => (messages.push(...b.records), []) });
    for (let waited = 0; messages.length === 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    await subscription.stop();
    const intake = new TelemetryIntake(store.telemetry, { groupId: 'g', metricsTopic: METRICS, accountingTopic: topics.stageAccounting, deadLetterPrefix: 'cpt' });
    assert.deepEqual(await intake.handle({ topic: topics.stageAccounting, partition: 0, records: messages }), []);
    await intake.handle({
      topic: ACCOUNTING,
      partition: 0,
      records: [record(ACCOUNTING, accountingCodec.encode({ stage: 'quality-filter', instance: 'q1', atMs: Date.now(), recordsIn: 2, recordsOut: 2, lag: 0 }), 5)],
    });

    const table = (await get('/pipeline/accounting')).body.stages;
    assert.deepEqual(table.map((s: any) => s.stage), ['ingest', 'quality-filter', 'dedup'], 'in the order documents flow');
    assert.deepEqual(
      [table[0].recordsIn, table[0].recordsOut, table[0].rejected, table[0].rejectedByRule, table[0].deadLetters, table[0].lag],
      [5, 2, 1, { 'ingest/int_score': 1 }, 2, null],
      'five records read: two documents, one below minIntScore, two dead letters; ingest consumes no topic, so no lag',
    );
    assert.deepEqual((await get('/dashboard/data')).body.accounting.map((s: any) => s.stage), ['ingest', 'quality-filter', 'dedup']);
  });

  it('says what is wrong: unknown run 404, empty run name 400, no metrics 404', async () => {
    const unknown = await get('/dashboard/data?run=nope');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.message, /run nope does not exist/);
    assert.equal((await get('/dashboard/data?run=')).status, 400);
    assert.equal((await get('/runs/nope/training-metrics')).status, 404);
  });

  it('documents the dashboard routes in the OpenAPI document', async () => {
    const doc = (await get('/api/docs-json')).body;
    for (const route of ['/', '/dashboard/data', '/runs/{run}/training-metrics', '/pipeline/accounting']) assert.ok(doc.paths[route]?.get, `${route} documented`);
    assert.ok(doc.components.schemas.DashboardDataDto && doc.components.schemas.StageTotalsDto);
  });

  it('a database that does not answer is a 503 with a sentence, not a 500', async () => {
    await store.dataSource.destroy();
    for (const route of ['/dashboard/data', '/pipeline/accounting', '/runs/cpt-a/training-metrics']) {
      const answer = await get(route);
      assert.equal(answer.status, 503, route);
      assert.match(answer.body.message, /the results database is not answering/);
    }
    assert.equal((await get('/')).status, 200, 'the page itself needs no database');
  });
});
