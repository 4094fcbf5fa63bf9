// The results API over real HTTP (Nest on 127.0.0.1, fetch) against real databases: SQLite always,
// PostgreSQL when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { openResultsStore, ResultsError, type EvaluationRequest, type EvaluationTrigger, type ResultsStore, type TaskResultRecord } from '@cptflow/results';
import { testBackends, type TestDatabase } from '@cptflow/results/testing';
import { createResultsApiApp } from './results-api.app';
import { ResultsApiModule } from './results-api.module';

const TOKEN = 'test-token-0123456789abcdef';
const settings = { numFewshot: 0, limit: null, harnessVersion: '0.4.9' };

/** Records what the API asked for, in place of the evaluator. */
class RecordingTrigger implements EvaluationTrigger {
  readonly requests: EvaluationRequest[] = [];
  async requestEvaluation(request: EvaluationRequest) {
    if (request.tasks?.includes('no_such_task')) throw ResultsError.invalid('unknown task no_such_task; known: arc_easy, boolq');
    this.requests.push(request);
    return { id: `eval-${this.requests.length}` };
  }
  async evaluation() {
    return null;
  }
}

function result(task: string, metric: string, value: number, stderr: number): TaskResultRecord {
  return { task, metric, value, stderr, n: 10, settings };
}

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

for (const backend of testBackends()) {
  describe(`results API on ${backend.name}`, { skip: backend.skip }, () => {
    let db: TestDatabase;
    let store: ResultsStore;
    let app: INestApplication;
    let baseUrl: string;
    const trigger = new RecordingTrigger();
    const ids: Record<string, number> = {};

    async function call(path: string, init: RequestInit = {}): Promise<Answer> {
      const response = await fetch(`${baseUrl}${path}`, init);
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
    }

    function post(body: unknown, token: string | null = TOKEN): Promise<Answer> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      return call('/evaluations', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    }

    before(async () => {
      db = await backend.create();
      store = await openResultsStore(db.options);
      const r = store.results;
      const base = await r.recordCheckpoint({ run: 'cpt-a', step: 0, tokensSeen: 0, path: '/a/0', isBase: true });
      const mid = await r.recordCheckpoint({ run: 'cpt-a', step: 500, tokensSeen: 2_000_000, path: '/a/500', isBase: false });
      const end = await r.recordCheckpoint({ run: 'cpt-a', step: 1000, tokensSeen: 4_000_000, path: '/a/1000', hfPath: '/a/1000/hf', isBase: false });
      const lone = await r.recordCheckpoint({ run: 'cpt-b', step: 7, tokensSeen: 70, path: '/b/7', isBase: false });
      Object.assign(ids, { base: base.id, mid: mid.id, end: end.id, lone: lone.id });
      await r.recordResults(base.id, [result('hellaswag', 'acc_norm', 0.3, 0.03), result('boolq', 'acc', 0.6, 0.03)]);
      await r.recordResults(mid.id, [result('hellaswag', 'acc_norm', 0.34, 0.04)]);
      await r.recordResults(end.id, [
        { ...result('hellaswag', 'acc_norm', 0.36, 0.04), samples: [{ docIndex: 0, predicted: 2, gold: 2, correct: true, logprobs: [-9, -8, -1, -7] }] },
        result('boolq', 'acc', 0.55, 0.04),
      ]);
      app = await createResultsApiApp({ results: store.results, trigger, apiTokens: [TOKEN], logger: false });
      await app.listen(0, '127.0.0.1');
      baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    });

    after(async () => {
      await app?.close();
      await store?.close();
      await db?.drop();
    });

    it('answers health with the database status', async () => {
      const res = await call('/health');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: 'ok', database: 'up' });
    });

    it('lists runs, paginated with a total', async () => {
      const all = await call('/runs');
      assert.equal(all.status, 200);
      assert.equal(all.body.total, 2);
      assert.deepEqual(all.body.items.map((r: any) => [r.name, r.checkpointCount, r.baseCheckpointId]), [['cpt-a', 3, ids.base], ['cpt-b', 1, null]]);
      const second = await call('/runs?page=2&pageSize=1');
      assert.deepEqual([second.body.total, second.body.page, second.body.pageSize, second.body.items[0].name], [2, 2, 1, 'cpt-b']);
    });

    it("lists a run's checkpoints one page at a time, and 404s an unknown run", async () => {
      const page = await call('/runs/cpt-a/checkpoints?page=2&pageSize=2');
      assert.equal(page.status, 200);
      assert.equal(page.body.total, 3);
      assert.deepEqual(page.body.items.map((c: any) => [c.id, c.step, c.tokensSeen, c.hfPath]), [[ids.end, 1000, 4_000_000, '/a/1000/hf']]);
      const missing = await call('/runs/no-such-run/checkpoints');
      assert.equal(missing.status, 404);
      assert.match(missing.body.message, /run no-such-run does not exist/);
    });

    it('returns the results of a checkpoint, and its samples', async () => {
      const res = await call(`/checkpoints/${ids.end}/results`);
      assert.equal(res.status, 200);
      assert.equal(res.body.checkpoint.step, 1000);
      assert.deepEqual(res.body.results.map((r: any) => [r.task, r.metric, r.value, r.stderr, r.n, r.settings.harnessVersion]), [
        ['boolq', 'acc', 0.55, 0.04, 10, '0.4.9'],
        ['hellaswag', 'acc_norm', 0.36, 0.04, 10, '0.4.9'],
      ]);
      const samples = await call(`/checkpoints/${ids.end}/samples?task=hellaswag&metric=acc_norm`);
      assert.equal(samples.status, 200);
      assert.deepEqual(samples.body.items, [{ docIndex: 0, predicted: 2, gold: 2, correct: true, logprobs: [-9, -8, -1, -7] }]);
    });

    it('compares a checkpoint with the base and with another checkpoint', async () => {
      const withBase = await call(`/compare?a=base&b=${ids.end}`);
      assert.equal(withBase.status, 200);
      assert.equal(withBase.body.baseline.id, ids.base);
      const hs = withBase.body.deltas.find((d: any) => d.task === 'hellaswag');
      assert.ok(Math.abs(hs.delta - 0.06) < 1e-12);
      assert.ok(Math.abs(hs.stderr - 0.05) < 1e-12, 'sqrt(0.03^2 + 0.04^2)');
      const boolq = withBase.body.deltas.find((d: any) => d.task === 'boolq');
      assert.ok(Math.abs(boolq.delta - -0.05) < 1e-12);
      const pair = await call(`/compare?a=${ids.mid}&b=${ids.end}`);
      assert.equal(pair.status, 200);
      assert.deepEqual(pair.body.onlyInCheckpoint, [{ task: 'boolq', metric: 'acc' }]);
      assert.ok(Math.abs(pair.body.deltas[0].delta - 0.02) < 1e-12);
    });

    it("returns a task's trend over tokens seen", async () => {
      const res = await call('/runs/cpt-a/trend?task=hellaswag&metric=acc_norm');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.points.map((p: any) => [p.tokensSeen, p.value, p.isBase]), [[0, 0.3, true], [2_000_000, 0.34, false], [4_000_000, 0.36, false]]);
      const defaultMetric = await call('/runs/cpt-a/trend?task=boolq');
      assert.equal(defaultMetric.body.metric, 'acc');
      assert.equal(defaultMetric.body.points.length, 2);
    });

    it('answers malformed queries with a 400 that names the parameter', async () => {
      const cases: Array<[string, RegExp]> = [
        ['/runs?page=0', /query parameter "page" must be an integer from 1 to 1000000/],
        ['/runs?page=1e3', /query parameter "page" must be an integer/],
        ['/runs?pageSize=100000', /query parameter "pageSize" must be an integer from 1 to 500/],
        ['/runs?page=1&page=2', /query parameter "page" must be given once/],
        ['/checkpoints/abc/results', /path parameter "id" must be an integer >= 1 \(got "abc"\)/],
        ['/compare?b=1', /query parameter "a" is required/],
        ['/compare?a=latest&b=1', /query parameter "a" must be a checkpoint id .* or "base"/],
        ['/runs/cpt-a/trend', /query parameter "task" is required/],
        ['/runs/cpt-a/trend?task=hellaswag&metric=Acc%20Norm', /query parameter "metric" must be a harness name/],
        // PostgreSQL refuses a NUL in a text value: answered 400 here instead of a 500 from the database.
        ['/runs/cpt%00a/checkpoints', /path parameter "run" must be a run name .* without control characters/],
        ['/runs/cpt%00a/trend?task=hellaswag', /path parameter "run" must be a run name/],
        [`/runs/${'r'.repeat(201)}/checkpoints`, /path parameter "run" must be a run name of at most 200 characters/],
      ];
      for (const [path, message] of cases) {
        const res = await call(path);
        assert.equal(res.status, 400, path);
        assert.equal(res.body.error, 'Bad Request', path);
        assert.match(res.body.message, message, path);
      }
    });

    it('answers a run name with a NUL in the evaluation request with a 400, not a 500', async () => {
      const res = await post({ run: 'cpt\u0000a', step: 0 });
      assert.equal(res.status, 400);
      assert.match(JSON.stringify(res.body), /without control characters/);
      assert.equal(trigger.requests.length, 0);
    });

    it('answers unknown ids with a 404', async () => {
      for (const [path, message] of [
        ['/checkpoints/999999/results', /checkpoint 999999 does not exist/],
        ['/checkpoints/999999', /checkpoint 999999 does not exist/],
        [`/compare?a=999999&b=${ids.end}`, /checkpoint 999999 does not exist/],
        [`/compare?a=base&b=${ids.lone}`, /run cpt-b has no base checkpoint/],
        [`/checkpoints/${ids.mid}/samples?task=boolq`, /has no boolq\/acc result/],
        // past the 32-bit id column: PostgreSQL refused the query itself (a 500) before
        ['/checkpoints/3000000000', /checkpoint 3000000000 does not exist/],
        [`/compare?a=3000000000&b=${ids.end}`, /checkpoint 3000000000 does not exist/],
      ] as const) {
        const res = await call(path);
        assert.equal(res.status, 404, path);
        assert.match(res.body.message, message, path);
      }
      const evaluation = await post({ checkpointId: 3_000_000_000 });
      assert.equal(evaluation.status, 404);
    });

    it('refuses to trigger an evaluation without a valid bearer token', async () => {
      const missing = await post({ checkpointId: ids.end }, null);
      assert.equal(missing.status, 401);
      assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
      const wrong = await post({ checkpointId: ids.end }, `${TOKEN}x`);
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.message, /not valid/);
      assert.equal(trigger.requests.length, 0, 'the evaluator was not asked');
    });

    it('answers an anonymous POST 401 before reading its body: a malformed or oversized one is not parsed for nobody (400, 413)', async () => {
      for (const token of [null, `${TOKEN}x`]) {
        for (const body of ['{"checkpointId":', JSON.stringify({ pad: 'x'.repeat(200_000) })]) {
          const refused = await post(body, token);
          assert.equal(refused.status, 401, `${body.length}-byte body with token ${token}`);
          assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);
          assert.match(refused.body.message, token ? /not valid/ : /needs an API token/);
        }
      }
      // With the token, the same bodies are the client's mistakes again, named.
      assert.equal((await post('{"checkpointId":')).status, 400);
      assert.equal((await post(JSON.stringify({ pad: 'x'.repeat(200_000) }))).status, 413);
    });

    it('triggers an evaluation of a checkpoint by id or by run and step', async () => {
      const byId = await post({ checkpointId: ids.mid, tasks: ['arc_easy', 'boolq'], limit: 100, numFewshot: 5 });
      assert.equal(byId.status, 202);
      assert.equal(byId.body.evaluationId, 'eval-1');
      const byStep = await post({ run: 'cpt-a', step: 1000 });
      assert.equal(byStep.status, 202);
      assert.deepEqual(
        trigger.requests.map((r) => [r.checkpoint.id, r.checkpoint.path, r.tasks, r.limit, r.numFewshot]),
        [[ids.mid, '/a/500', ['arc_easy', 'boolq'], 100, 5], [ids.end, '/a/1000', null, null, null]],
      );
    });

    it('answers a malformed evaluation request with a 400 listing every problem, and unknown checkpoints with a 404', async () => {
      const before = trigger.requests.length;
      const bad = await post({ checkpointId: 0, limit: 2.5, color: 'red', tasks: ['ARC Easy'] });
      assert.equal(bad.status, 400);
      for (const problem of [/unknown field\(s\) color/, /checkpointId must be an integer >= 1/, /limit must be/, /tasks must be harness task names .*"ARC Easy"/]) {
        assert.match(bad.body.message, problem);
      }
      assert.match((await post({})).body.message, /name the checkpoint/);
      assert.match((await post({ checkpointId: 1, run: 'cpt-a', step: 0 })).body.message, /not both/);
      const malformed = await post('{"checkpointId": 1');
      assert.equal(malformed.status, 400);
      const refused = await post({ checkpointId: ids.end, tasks: ['no_such_task'] });
      assert.equal(refused.status, 400, 'what the evaluator refuses is a 400');
      assert.match(refused.body.message, /unknown task no_such_task/);
      const unknownId = await post({ checkpointId: 999999 });
      assert.equal(unknownId.status, 404);
      const unknownStep = await post({ run: 'cpt-a', step: 3 });
      assert.equal(unknownStep.status, 404);
      assert.match(unknownStep.body.message, /run cpt-a has no checkpoint at step 3/);
      assert.equal(trigger.requests.length, before, 'rejected requests never reach the evaluator');
    });

    it('serves an OpenAPI document that lists every route, with the trigger behind bearer auth', async () => {
      const res = await call('/api/docs-json');
      assert.equal(res.status, 200);
      assert.match(res.body.openapi, /^3\./);
      const routes = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      assert.deepEqual(routes.sort(), [
        'GET /checkpoints/{id}',
        'GET /checkpoints/{id}/results',
        'GET /checkpoints/{id}/samples',
        'GET /compare',
        'GET /evaluations/{id}',
        'GET /health',
        'GET /runs',
        'GET /runs/{run}/checkpoints',
        'GET /runs/{run}/trend',
        'POST /evaluations',
      ]);
      assert.deepEqual(res.body.paths['/evaluations'].post.security, [{ bearer: [] }]);
      assert.ok(res.body.components.schemas.ComparisonDto.properties.deltas, 'response shapes are documented');
    });
  });
}

describe('GET /health when the database is gone', () => {
  it('answers 503 with the database down', async () => {
    const [sqlite] = testBackends();
    const db = await sqlite.create();
    const store = await openResultsStore(db.options);
    const app = await createResultsApiApp({ results: store.results, trigger: new RecordingTrigger(), apiTokens: [TOKEN], logger: false });
    try {
      await app.listen(0, '127.0.0.1');
      await store.close();
      const response = await fetch(`${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/health`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { status: 'unavailable', database: 'down' });
    } finally {
      await app.close();
      await db.drop();
    }
  });
});

describe('ResultsApiModule.register', () => {
  const options = { results: {} as never, trigger: new RecordingTrigger() };
  it('refuses to start without an API token, or with a short one', () => {
    assert.throws(() => ResultsApiModule.register({ ...options, apiTokens: [] }), /no API token configured/);
    assert.throws(() => ResultsApiModule.register({ ...options, apiTokens: ['short'] }), /shorter than 16 characters/);
    assert.doesNotThrow(() => ResultsApiModule.register({ ...options, apiTokens: [TOKEN] }));
  });
});
