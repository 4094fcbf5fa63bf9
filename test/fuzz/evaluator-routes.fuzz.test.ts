// Fuzz: every route of the evaluator's results API with arbitrary path parameters, query strings and
// bodies (NUL and other control characters, repeats, huge numbers, unicode), on SQLite and, when
// DATABASE_URL is set, on PostgreSQL, which refuses some text SQLite takes. Never a 5xx.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { INestApplication } from '@nestjs/common';
import { openResultsStore, type ResultsStore, type EvaluationRequest, type EvaluationTrigger } from '@cptflow/results';
import { testBackends, type TestDatabase } from '@cptflow/results/testing';
import { createResultsApiApp } from '@cptflow/nest-host';
import { fuzzRuns } from './fuzz-settings';

const TOKEN = 'fuzz-token-0123456789abcdef';

class CountingTrigger implements EvaluationTrigger {
  requests = 0;
  async requestEvaluation(_request: EvaluationRequest) {
    return { id: `eval-${++this.requests}` };
  }
  async evaluation() {
    return null;
  }
}

const hostileText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('\u0000', 'cpt\u0000a', '0', '-1', '1e400', '9007199254740993', 'base', 'latest', '%', '..', 'a'.repeat(300), ' ', 'acc_norm', 'hellaswag'),
  fc.integer().map(String),
);
const seg = hostileText.map((s) => encodeURIComponent(s));
const query = fc
  .array(fc.tuple(fc.constantFrom('page', 'pageSize', 'task', 'metric', 'a', 'b', 'x'), hostileText), { maxLength: 5 })
  .map((pairs) => new URLSearchParams(pairs).toString());
const getPath = fc.oneof(
  fc.tuple(seg, query).map(([run, q]) => `/runs/${run}/checkpoints?${q}`),
  fc.tuple(seg, query).map(([run, q]) => `/runs/${run}/trend?${q}`),
  query.map((q) => `/runs?${q}`),
  fc.tuple(seg, fc.constantFrom('', '/results', '/samples'), query).map(([id, tail, q]) => `/checkpoints/${id}${tail}?${q}`),
  query.map((q) => `/compare?${q}`),
  fc.tuple(seg, query).map(([id, q]) => `/evaluations/${id}?${q}`),
  query.map((q) => `/health?${q}`),
);
const evaluationBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
  fc.record({ run: hostileText, step: fc.oneof(fc.integer(), fc.double(), fc.string()) }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
  fc.record({ checkpointId: fc.oneof(fc.integer(), fc.string()), tasks: fc.array(hostileText, { maxLength: 3 }), limit: fc.jsonValue(), numFewshot: fc.jsonValue() }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
  fc.string(),
);

for (const backend of testBackends()) {
  describe(`results API routes on ${backend.name}, fuzzed`, { skip: backend.skip }, () => {
    let db: TestDatabase;
    let store: ResultsStore;
    let app: INestApplication;
    let base: string;

    before(async () => {
      db = await backend.create();
      store = await openResultsStore(db.options);
      const checkpoint = await store.results.recordCheckpoint({ run: 'cpt-a', step: 0, tokensSeen: 0, path: '/a/0', isBase: true });
      await store.results.recordResults(checkpoint.id, [{ task: 'hellaswag', metric: 'acc_norm', value: 0.3, stderr: 0.01, n: 10, settings: { numFewshot: 0, limit: null, harnessVersion: '0.4.9' } }]);
      app = await createResultsApiApp({ results: store.results, trigger: new CountingTrigger(), apiTokens: [TOKEN], logger: false });
      await app.listen(0, '127.0.0.1');
      base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    });

    after(async () => {
      await app?.close();
      await store?.close();
      await db?.drop();
    });

    it('GET routes with arbitrary parameters: never a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(getPath, async (path) => {
          const response = await fetch(`${base}${path}`);
          const text = await response.text();
          assert.ok(response.status < 500, `${path}: ${response.status} ${text}`);
        }),
        fuzzRuns(600),
      );
    });

    it('POST /evaluations with arbitrary bodies, with and without the token: never a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(evaluationBody, fc.boolean(), fc.constantFrom('application/json', 'text/plain'), async (body, authorized, contentType) => {
          const headers: Record<string, string> = { 'content-type': contentType };
          if (authorized) headers.authorization = `Bearer ${TOKEN}`;
          const response = await fetch(`${base}/evaluations`, { method: 'POST', headers, body });
          const text = await response.text();
          assert.ok(response.status < 500, `${body}: ${response.status} ${text}`);
          // Without the token nothing is accepted (a body the JSON parser refuses is a 400 before the guard runs).
          if (!authorized) assert.ok(response.status === 401 || response.status === 400, `${body}: ${response.status} without a token`);
        }),
        fuzzRuns(400),
      );
    });
  });
}
