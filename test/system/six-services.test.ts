// Issue 6, "what it must show" 2: the six services as separate processes on a real Kafka broker and
// PostgreSQL. A corpus is uploaded over HTTP to ingest; quality filter, dedup and packer turn it into
// sequences; the trainer (a tiny random-initialised model, short sequences) writes checkpoints; the
// evaluator scores each on held-out text and stores the results in PostgreSQL; the results are read
// back through the evaluator's API. Every service exports OTLP/HTTP to a receiver in this test, which
// must show one trace from the ingest batch through the packer, and trainer/evaluator spans that name
// the checkpoint. Every service must then stop on SIGTERM with exit code 0, the trainer announcing a
// final checkpoint that the evaluator still scores. Run twice: with the trainer's default ONNX Runtime
// engine, and with engine "torch" (issue 10: a PyTorch worker group launched by the trainer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startService, type ServiceProcess } from '../support/service-process';
import { uniqueTopics } from '../support/topic-reader';
import { torchPythonOrSkip } from '@cptflow/torch-engine/testing';

const brokers = process.env.KAFKA_BROKERS;
const databaseUrl = process.env.DATABASE_URL;
const ROOT = path.resolve(__dirname, '../../..');
const CORPORA = path.join(ROOT, 'data/corpora');
const INGEST_TOKEN = 'six-services-ingest-token';
const API_TOKEN = 'six-services-evaluator-token';
const SEQ_LEN = 64;
const CHECKPOINT_EVERY_TOKENS = 2 * 4 * SEQ_LEN; // every two steps of 4 rows
const CHECKPOINTS_WANTED = 2;

/** The first `count` documents of a bundled corpus as JSON Lines. */
function corpusSlice(file: string, count: number): string {
  const lines = gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').filter(Boolean);
  return lines.slice(0, count).join('\n') + '\n';
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, diagnostics: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}\n${diagnostics()}`);
}

interface DashboardData {
  runs: Array<{ training: Array<{ step: number }> }>;
  accounting: Array<{ stage: string; recordsIn: number }>;
}

const recordsInOf = (data: DashboardData) => new Map(data.accounting.map((a) => [a.stage, a.recordsIn]));

async function recordsInByStage(evaluatorUrl: string): Promise<Map<string, number>> {
  return recordsInOf(await getJson<DashboardData>(`${evaluatorUrl}/dashboard/data`));
}

interface CheckpointDto {
  id: number;
  run: string;
  step: number;
  tokensSeen: number;
  isBase: boolean;
}
interface ResultDto {
  task: string;
  metric: string;
  value: number;
}

for (const engine of ['onnx', 'torch'] as const) test(
  `six services on Kafka and PostgreSQL (trainer engine ${engine}): upload -> checkpoints evaluated, results over the API, one trace per batch`,
  // torch: every checkpoint's evaluation starts a worker group of its own (seconds each).
  { skip: (!brokers || !databaseUrl) && 'KAFKA_BROKERS / DATABASE_URL not set (scripts/run-tests.js starts Kafka and PostgreSQL)', timeout: engine === 'torch' ? 400_000 : 230_000 },
  async (t) => {
    if (engine === 'torch' && !torchPythonOrSkip(t)) return;
    const started = Date.now();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-six-'));
    const id = `six${Date.now()}`;
    const run = `${id}-cpt`;
    const topics = uniqueTopics(id);
    const config = {
      bus: { kind: 'kafka', brokers: brokers!.split(','), partitions: 2, maxBatchRecords: 16 },
      topics,
      stages: {
        dedup: { store: { kind: 'sqlite', path: path.join(dir, 'dedup.sqlite') } },
        packer: { seqLen: SEQ_LEN, idleFlushSeconds: 1 }, // the corpus's last open sequences are flushed within the test's time
        trainer: {
          run,
          model: { randomPreset: 'cptflow-tiny', seed: 1 },
          batchRows: 4,
          seqLen: SEQ_LEN,
          tokensPerStep: 4 * SEQ_LEN,
          intraOpThreads: 1,
          engine,
          torch: { threadsPerRank: 1 },
          schedule: { kind: 'constant', peakLr: 1e-3 },
          checkpoint: { dir: path.join(dir, 'checkpoints'), everyTokens: CHECKPOINT_EVERY_TOKENS, keepLast: 1000 },
        },
        evaluator: {
          tasks: [],
          taskDataDir: path.join(dir, 'no-tasks'),
          heldout: [{ name: 'heldout_domain', path: path.join(CORPORA, 'domain.heldout.jsonl.gz'), maxDocuments: 3 }],
          perplexityMaxLength: SEQ_LEN,
          groupId: `${id}-evaluator`,
          apiTokens: [API_TOKEN],
          intraOpThreads: 1,
          // The torch run scores on the torch worker group too.
          engine,
          torch: { threadsPerRank: 1 },
        },
      },
    };
    const configFile = path.join(dir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify(config));

    const receiver = await startOtlpReceiver();
    const env = {
      CPTFLOW_CONFIG: configFile,
      KAFKA_BROKERS: '',
      DATABASE_URL: databaseUrl!,
      CPTFLOW_INGEST_TOKEN: INGEST_TOKEN,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // Export spans within a fraction of a second, so a slow shutdown does not hide them.
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRIC_EXPORT_INTERVAL: '2000',
    };
    const names = ['ingest', 'quality-filter', 'dedup', 'packer', 'trainer', 'evaluator'] as const;
    const running = new Map<string, ServiceProcess>();
    const logs = () => [...running.values()].map((s) => `--- ${s.name}\n${s.output().slice(-3000)}`).join('\n');
    try {
      const services = await Promise.allSettled(names.map((name) => startService(name, env, 90_000)));
      for (const s of services) if (s.status === 'fulfilled') running.set(s.value.name, s.value);
      const failed = services.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      console.log(`six services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      // The pipeline's accounting is the deployment's, not a run's, and this database may hold an earlier
      // test's: what this run adds is counted from here.
      const recordsInBefore = await recordsInByStage(running.get('evaluator')!.url);

      // 1. A corpus over HTTP, as a client would send it.
      const upload = await fetch(`${running.get('ingest')!.url}/ingest/upload?name=six-services.jsonl&corpus=domain`, {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/x-ndjson' },
        body: corpusSlice(path.join(CORPORA, 'domain.jsonl.gz'), 40),
      });
      assert.equal(upload.status, 200, await upload.clone().text());
      const report = (await upload.json()) as { documents: number };
      assert.equal(report.documents, 40);

      // 2. Checkpoints trained and evaluated, read back through the results API.
      const evaluator = running.get('evaluator')!.url;
      const evaluated = await until(
        `${CHECKPOINTS_WANTED} evaluated checkpoints of ${run}`,
        150_000,
        async () => {
          const page = await getJson<{ items: CheckpointDto[] }>(`${evaluator}/runs/${run}/checkpoints`);
          const trained = page.items.filter((c) => !c.isBase);
          const withResults = [];
          for (const c of trained) {
            const r = await getJson<{ checkpoint: CheckpointDto; results: ResultDto[] }>(`${evaluator}/checkpoints/${c.id}/results`);
            if (r.results.some((x) => x.task === 'heldout_domain')) withResults.push(r);
          }
          return withResults.length >= CHECKPOINTS_WANTED ? withResults : undefined;
        },
        logs,
      );
      const runs = await getJson<{ items: Array<{ name: string; checkpointCount: number }> }>(`${evaluator}/runs?pageSize=100`);
      assert.ok(runs.items.some((r) => r.name === run && r.checkpointCount >= CHECKPOINTS_WANTED), `run ${run} listed by GET /runs`);
      for (const { checkpoint, results } of evaluated) {
        assert.equal(checkpoint.run, run);
        assert.ok(checkpoint.step > 0 && checkpoint.tokensSeen === checkpoint.step * 4 * SEQ_LEN, `checkpoint ${JSON.stringify(checkpoint)}`);
        const ppl = results.find((r) => r.task === 'heldout_domain' && r.metric === 'token_perplexity');
        // A random-initialised model over a 32k vocabulary: finite, well above 1, at most about the vocabulary.
        assert.ok(ppl && Number.isFinite(ppl.value) && ppl.value > 1 && ppl.value < 64_000, `perplexity ${JSON.stringify(ppl)}`);
      }
      console.log(`checkpoints ${evaluated.map((e) => e.checkpoint.step).join(', ')} evaluated after ${((Date.now() - started) / 1000).toFixed(1)} s`);

      // 3. Graceful shutdown: every service drains and exits 0 on SIGTERM (telemetry is flushed on the way).
      const stop = async (name: string) => {
        const service = running.get(name)!;
        await service.stop();
        assert.equal(service.child.exitCode, 0, `${name} exit code ${service.child.exitCode} (signal ${service.child.signalCode})\n${service.output().slice(-3000)}`);
        assert.match(service.output(), /draining/i, `${name} logs its drain`);
      };
      for (const name of names.filter((n) => n !== 'evaluator')) await stop(name);
      // The trainer, stopped mid-stream, finished its step and announced a final checkpoint; the evaluator
      // (still up) scores it like any other, so nothing the trainer learned goes unevaluated.
      const checkpointSteps = [...running.get('trainer')!.output().matchAll(/checkpoint \S+ \(step (\d+),/g)].map((m) => Number(m[1]));
      const finalStep = Math.max(...checkpointSteps);
      assert.ok(finalStep >= Math.max(...evaluated.map((e) => e.checkpoint.step)), `final checkpoint step ${finalStep}`);
      await until(
        `the final checkpoint (step ${finalStep}) evaluated`,
        90_000,
        async () => {
          const page = await getJson<{ items: CheckpointDto[] }>(`${evaluator}/runs/${run}/checkpoints?pageSize=100`);
          const last = page.items.find((c) => c.step === finalStep);
          if (!last) return undefined;
          const r = await getJson<{ results: ResultDto[] }>(`${evaluator}/checkpoints/${last.id}/results`);
          return r.results.some((x) => x.task === 'heldout_domain') ? true : undefined;
        },
        logs,
      );
      // The dashboard's data came through Kafka like everything else: each pipeline stage's accounting
      // (published on its way down; documents in = documents uploaded) and the trainer's steps up to
      // its final checkpoint, stored by the evaluator and served by GET /dashboard/data.
      let dashboardSeen = '';
      await until(
        'the dashboard data of every pipeline stage and of the trainer',
        30_000,
        async () => {
          const data = await getJson<DashboardData>(`${evaluator}/dashboard/data?run=${run}`);
          const added = (stage: string) => (recordsInOf(data).get(stage) ?? 0) - (recordsInBefore.get(stage) ?? 0);
          const lastStep = data.runs[0]?.training.at(-1)?.step ?? 0;
          dashboardSeen = `records in by stage ${JSON.stringify([...recordsInOf(data)])} (before this run ${JSON.stringify([...recordsInBefore])}), last training step ${lastStep} (final ${finalStep})`;
          return added('ingest') === 40 && added('quality-filter') === 40 && added('dedup') > 0 && added('packer') > 0 && lastStep >= finalStep ? true : undefined;
        },
        () => `last seen: ${dashboardSeen}\n${logs()}`,
      );
      await stop('evaluator');
      console.log(`final checkpoint (step ${finalStep}) evaluated; all stopped after ${((Date.now() - started) / 1000).toFixed(1)} s`);

      // 4. The cross-service trace.
      const spans = receiver.spans;
      const byTrace = new Map<string, ReceivedSpan[]>();
      for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
      const pipelineServices = ['cptflow-ingest', 'cptflow-quality-filter', 'cptflow-dedup', 'cptflow-packer'];
      const ingestSpans = spans.filter((s) => s.service === 'cptflow-ingest' && s.name === `publish ${topics.docsRaw}`);
      assert.ok(ingestSpans.length >= 1, `ingest batch spans (got services ${[...new Set(spans.map((s) => s.service))].join(', ')})`);
      const whole = ingestSpans.map((s) => byTrace.get(s.traceId)!).find((trace) => pipelineServices.every((svc) => trace.some((s) => s.service === svc)));
      assert.ok(whole, `one trace spans ${pipelineServices.join(', ')}; traces of ingest batches hold: ${ingestSpans.map((s) => [...new Set(byTrace.get(s.traceId)!.map((x) => x.service))].join('+')).join(' | ')}`);
      // Parent/child all the way: every span of the trace but the ingest root has its parent in the trace
      // (or links to a span in it).
      const ids = new Set(whole.map((s) => s.spanId));
      for (const s of whole) {
        if (s.parentSpanId === '') continue;
        assert.ok(ids.has(s.parentSpanId) || s.links.some((l) => ids.has(l.spanId)), `span ${s.service}/${s.name} hangs off the trace`);
      }
      const packerSpan = whole.find((s) => s.service === 'cptflow-packer' && s.name === `process ${topics.docsUnique}`);
      assert.ok(packerSpan, 'the packer processed a batch of this trace');

      const trainerSpans = spans.filter((s) => s.service === 'cptflow-trainer' && s.name === 'checkpoint');
      const evaluatorSpans = spans.filter((s) => s.service === 'cptflow-evaluator' && s.name === 'evaluate checkpoint');
      for (const { checkpoint } of evaluated) {
        const t = trainerSpans.find((s) => s.attributes['cptflow.checkpoint.step'] === checkpoint.step);
        assert.ok(t, `trainer span for step ${checkpoint.step}`);
        assert.equal(t.attributes['cptflow.run'], run);
        assert.equal(t.attributes['cptflow.checkpoint.tokens_seen'], checkpoint.tokensSeen);
        const e = evaluatorSpans.find((s) => s.attributes['cptflow.checkpoint.id'] === checkpoint.id);
        assert.ok(e, `evaluator span for checkpoint ${checkpoint.id}`);
        assert.equal(e.attributes['cptflow.checkpoint.step'], checkpoint.step);
        // The checkpoint event carries the trainer's context: its evaluation continues the trainer's trace.
        assert.equal(e.traceId, t.traceId, 'evaluation joins the trace of the checkpoint it scores');
      }
      assert.ok(receiver.metrics.get('cptflow-packer')?.has('cptflow.records.produced'), 'packer metrics exported');
      console.log(`whole test ${((Date.now() - started) / 1000).toFixed(1)} s; ${spans.length} spans received`);
    } finally {
      await Promise.all([...running.values()].map((s) => s.kill()));
      await receiver.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
