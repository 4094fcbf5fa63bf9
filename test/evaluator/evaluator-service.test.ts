// The evaluator service end to end on a real Kafka broker (KAFKA_BROKERS, started by
// scripts/run-tests.js) and a real database (SQLite; PostgreSQL too when DATABASE_URL is set):
// checkpoint events -> results in the database -> the API returns them; an EvalEvent per evaluated
// checkpoint on the evals topic; a re-delivered event scores nothing again; a malformed event goes
// to the dead-letter topic without stopping the stream; POST /evaluations adds results.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CheckpointEvent,
  codecFor,
  DeadLetter,
  EvalEvent,
  loadConfig,
  type ConsumedRecord,
  type Subscription,
  KafkaBus,
} from '@cptflow/platform';
import { loadHfModelDir, saveSafetensorsModel, parameterShapes } from '@cptflow/model';
import { fixturesDir, loadReference, ReferenceTask } from '@cptflow/evaluation/testing';
import { testBackends } from '@cptflow/results/testing';
import { EvaluatorApp } from '../../services/evaluator/src/evaluator.app';
import { evaluatorSchema } from '@cptflow/evaluation';

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean);
const TOKEN = 'evaluator-test-token-0123456789';
const LIMIT = 4;
const checkpointCodec = codecFor<CheckpointEvent>(CheckpointEvent);
const evalCodec = codecFor<EvalEvent>(EvalEvent);
const deadLetterCodec = codecFor<DeadLetter>(DeadLetter);

let workDir: string;
let baseDir: string;
let trainedDir: string;

/** An HF export like the trainer writes: config.json, model.safetensors and the tokenizer files. */
async function exportModel(dir: string, scale: number): Promise<void> {
  const source = path.join(fixturesDir(), 'model');
  const model = await loadHfModelDir(source);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(source, f), path.join(dir, f));
  const shapes = new Map(parameterShapes(model.architecture).map((p) => [p.name, [...p.shape]]));
  // "training" = a deterministic change of some weights, so the two checkpoints score differently
  const tensors = [...model.weights].map(([name, data]): [string, { shape: number[]; data: Float32Array }] => [
    name,
    { shape: shapes.get(name)!, data: scale === 1 ? data : data.map((x, i) => (i % 7 === 0 ? x * scale : x)) },
  ]);
  await saveSafetensorsModel(dir, tensors);
}

function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        const value = await probe();
        if (value !== undefined) return resolve(value);
      } catch (error) {
        return reject(error);
      }
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 200);
    };
    void tick();
  });
}

before(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-evaluator-'));
  baseDir = path.join(workDir, 'base');
  trainedDir = path.join(workDir, 'run-a', 'step-100', 'hf');
  await exportModel(baseDir, 1);
  await exportModel(trainedDir, 1.5);
});

after(() => fs.rmSync(workDir, { recursive: true, force: true }));

for (const backend of testBackends()) {
  describe(`evaluator service on Kafka + ${backend.name}`, { skip: !brokers ? 'KAFKA_BROKERS is not set (node scripts/run-tests.js starts a broker)' : backend.skip }, () => {
    const id = randomUUID().slice(0, 8);
    const topics = { checkpoints: `t-${id}.checkpoints`, evals: `t-${id}.evals`, deadLetterPrefix: `t-${id}` };
    let drop: () => Promise<void>;
    let app: EvaluatorApp;
    let client: KafkaBus;
    let watcher: Subscription;
    const evals: EvalEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    const run = `run-${backend.name}-${id}`;
    const api = async (route: string, init?: RequestInit) => {
      const res = await fetch(`${app.url}${route}`, init);
      return { status: res.status, body: (await res.json()) as any };
    };

    before(async () => {
      const db = await backend.create();
      drop = db.drop;
      const config = loadConfig({ env: {}, overrides: { bus: { kind: 'kafka', brokers, partitions: 1 }, topics, http: { port: 0 } } });
      const evaluator = evaluatorSchema.parse({
        tasks: ['arc_easy', 'winogrande', 'mmlu'],
        mmluSubjects: ['abstract_algebra', 'world_religions'],
        taskDataDir: path.join(fixturesDir(), 'data'),
        limit: LIMIT,
        batchSize: 16,
        heldout: [{ name: 'heldout_general', path: path.join(fixturesDir(), 'data', 'held_out', 'general.jsonl') }],
        perplexityMaxLength: 16,
        baseModelDir: baseDir,
        groupId: `evaluator-${id}`,
        kafkaSessionTimeoutMs: 10_000,
        apiTokens: [TOKEN],
        ...db.options,
      });
      app = await EvaluatorApp.start({ config, evaluator, logger: false, log: () => undefined });
      client = new KafkaBus({ brokers: brokers!, clientId: `evaluator-test-${id}`, defaultPartitions: 1, logLevel: 'nothing' });
      await client.ensureTopics([topics.checkpoints, topics.evals, `${topics.deadLetterPrefix}.dlq.evaluator`], 1);
      watcher = await client.consume({
        groupId: `watcher-${id}`,
        topics: [topics.evals, `${topics.deadLetterPrefix}.dlq.evaluator`],
        handler: async (batch) => {
          for (const r of batch.records as ConsumedRecord[]) {
            if (r.topic === topics.evals) evals.push(evalCodec.decode(r.value));
            else deadLetters.push(deadLetterCodec.decode(r.value));
          }
          return [];
        },
      });
    });

    after(async () => {
      await watcher?.stop();
      await client?.close();
      await app?.stop();
      await drop?.();
    });

    const publishCheckpoint = (event: CheckpointEvent) =>
      client.publish([{ topic: topics.checkpoints, key: event.run!, value: checkpointCodec.encode(event) }]);

    it('evaluates a checkpoint and, first, the run base model; stores the results; publishes an EvalEvent for each', async () => {
      await client.publish([{ topic: topics.checkpoints, key: run, value: Buffer.from('not a checkpoint event') }]);
      await publishCheckpoint({ run, step: 100, tokensSeen: 409600, path: path.dirname(trainedDir), hfPath: trainedDir, loss: 3.5, isBase: false });
      await waitFor('two EvalEvents', () => (evals.length >= 2 ? true : undefined), 90_000);

      assert.deepEqual(evals.map((e) => [e.run, Number(e.step), e.scores!.length > 0]), [[run, 0, true], [run, 100, true]]);
      const tasksInEvent = new Set(evals[1].scores!.map((s) => `${s.task}/${s.metric}`));
      for (const key of ['arc_easy/acc', 'arc_easy/acc_norm', 'winogrande/acc', 'mmlu/acc', 'mmlu_abstract_algebra/acc', 'heldout_general/word_perplexity']) assert.ok(tasksInEvent.has(key), key);

      await waitFor('the dead letter', () => (deadLetters.length >= 1 ? true : undefined));
      assert.match(deadLetters[0].error!, /ContractError/);
      assert.equal(Buffer.from(deadLetters[0].original!).toString(), 'not a checkpoint event');
    });

    it('the API lists the run and its checkpoints and returns results equal to the harness on the base model', async () => {
      const runs = await api('/runs');
      assert.equal(runs.status, 200);
      const mine = runs.body.items.find((r: any) => r.name === run);
      assert.equal(mine.checkpointCount, 2);
      const checkpoints = await api(`/runs/${run}/checkpoints`);
      const [base, trained] = checkpoints.body.items;
      assert.deepEqual([base.step, base.isBase, trained.step, trained.isBase, trained.tokensSeen], [0, true, 100, false, 409600]);

      const results = await api(`/checkpoints/${base.id}/results`);
      assert.equal(results.status, 200);
      const byKey = new Map(results.body.results.map((r: any) => [`${r.task}/${r.metric}`, r]));
      // the base export is the parity fixture model: its scores on the first LIMIT documents are the
      // harness's per-sample results on them
      const reference = loadReference().runs['0'];
      for (const [task, metric, field] of [['arc_easy', 'acc', 'acc'], ['arc_easy', 'acc_norm', 'acc_norm'], ['winogrande', 'acc', 'acc'], ['mmlu_world_religions', 'acc', 'acc']] as const) {
        const samples = (reference[task] as ReferenceTask).samples.filter((s) => s.doc_id < LIMIT);
        const want = samples.reduce((a, s) => a + (s[field] as number), 0) / samples.length;
        const got = byKey.get(`${task}/${metric}`) as any;
        assert.equal(got.value, want, `${task}/${metric}`);
        assert.equal(got.n, LIMIT);
        assert.deepEqual(got.settings, { numFewshot: 0, limit: LIMIT, harnessVersion: '0.4.13', taskVersion: '1' });
      }
      const mmlu = byKey.get('mmlu/acc') as any;
      const aa = byKey.get('mmlu_abstract_algebra/acc') as any;
      const wr = byKey.get('mmlu_world_religions/acc') as any;
      assert.equal(mmlu.n, aa.n + wr.n);
      assert.ok(Math.abs(mmlu.value - (aa.value * aa.n + wr.value * wr.n) / (aa.n + wr.n)) < 1e-12);
      const ppl = byKey.get('heldout_general/word_perplexity') as any;
      assert.ok(ppl.value > 1 && Number.isFinite(ppl.value));

      const samples = await api(`/checkpoints/${base.id}/samples?task=arc_easy&metric=acc_norm`);
      assert.equal(samples.body.total, LIMIT);
      const refSamples = (reference.arc_easy as ReferenceTask).samples;
      for (const s of samples.body.items) assert.equal(s.predicted, refSamples[s.docIndex].pred_norm);

      const compare = await api(`/compare?a=base&b=${trained.id}`);
      assert.equal(compare.status, 200);
      assert.ok(compare.body.deltas.some((d: any) => d.task === 'heldout_general' && d.metric === 'word_perplexity' && d.delta !== 0));
      const trend = await api(`/runs/${run}/trend?task=arc_easy&metric=acc`);
      assert.deepEqual(trend.body.points.map((p: any) => p.step), [0, 100]);
      assert.equal((await api('/ready')).status, 200);
      assert.equal((await api('/health')).status, 200);
    });

    it('a re-delivered checkpoint event republishes its EvalEvent without scoring anything again', async () => {
      const scored = app.evaluator.scoredCount;
      const checkpoints = await api(`/runs/${run}/checkpoints`);
      const trained = checkpoints.body.items[1];
      const before = await api(`/checkpoints/${trained.id}/results`);
      await publishCheckpoint({ run, step: 100, tokensSeen: 409600, path: path.dirname(trainedDir), hfPath: trainedDir, loss: 3.5, isBase: false });
      await waitFor('a third EvalEvent', () => (evals.length >= 3 ? true : undefined));
      assert.equal(app.evaluator.scoredCount, scored, 'nothing was scored again');
      assert.deepEqual(evals[2].scores, evals[1].scores);
      const afterResults = await api(`/checkpoints/${trained.id}/results`);
      assert.deepEqual(afterResults.body, before.body);
      assert.equal((await api(`/runs/${run}/checkpoints`)).body.total, 2);
    });

    it('POST /evaluations (with the token) evaluates more tasks for a stored checkpoint', async () => {
      const trained = (await api(`/runs/${run}/checkpoints`)).body.items[1];
      const denied = await api('/evaluations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ checkpointId: trained.id, tasks: ['boolq'] }) });
      assert.equal(denied.status, 401);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
      const unknown = await api('/evaluations', { method: 'POST', headers, body: JSON.stringify({ checkpointId: trained.id, tasks: ['no_such_task'] }) });
      assert.equal(unknown.status, 400);
      assert.match(JSON.stringify(unknown.body), /no_such_task/);
      const accepted = await api('/evaluations', { method: 'POST', headers, body: JSON.stringify({ checkpointId: trained.id, tasks: ['boolq'], limit: 3 }) });
      assert.equal(accepted.status, 202);
      const ticket = accepted.body.evaluationId;
      assert.ok(ticket, JSON.stringify(accepted.body));
      const state = await waitFor('the requested evaluation', async () => {
        const s = await api(`/evaluations/${ticket}`);
        assert.equal(s.status, 200, JSON.stringify(s.body));
        return s.body.state === 'done' || s.body.state === 'dead' ? s.body : undefined;
      });
      assert.equal(state.state, 'done', JSON.stringify(state));
      assert.equal(state.outcome[0].checkpointId, trained.id);
      assert.deepEqual(state.outcome[0].evaluated, ['boolq']);
      assert.equal((await api(`/evaluations/${randomUUID()}`)).status, 404);
      assert.equal((await api('/evaluations/not-a-uuid')).status, 400);
      const results = await api(`/checkpoints/${trained.id}/results`);
      const boolq = results.body.results.find((r: any) => r.task === 'boolq');
      assert.equal(boolq.n, 3);
      assert.equal(boolq.settings.limit, 3);
      await waitFor('its EvalEvent', () => (evals.length >= 4 ? true : undefined));
      assert.ok(evals[3].scores!.some((s) => s.task === 'boolq'));
    });
  });
}
