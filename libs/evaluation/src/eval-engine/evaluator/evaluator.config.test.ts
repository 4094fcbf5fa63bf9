import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@cptflow/platform';
import { evaluatorConfigFrom } from './evaluator.config';

const TOKEN = 'a-token-of-at-least-16';

test('defaults: the seven tasks (mmlu as a group), 0-shot default, SQLite; DATABASE_URL and EVALUATOR_API_TOKEN fold in', () => {
  const config = loadConfig({ env: {} });
  const e = evaluatorConfigFrom(config, { EVALUATOR_API_TOKEN: TOKEN, DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' });
  assert.deepEqual(e.tasks, ['arc_easy', 'arc_challenge', 'hellaswag', 'winogrande', 'boolq', 'piqa', 'mmlu']);
  assert.equal(e.numFewshot, null);
  assert.equal(e.limit, null);
  assert.deepEqual(e.apiTokens, [TOKEN]);
  assert.equal(e.databaseUrl, 'postgres://u@127.0.0.1:5432/db');
  assert.equal(e.groupId, 'cpt-evaluator');
});

test('job timings past what a timer can wait are refused by name (a lease renewed, or a poll, every millisecond otherwise)', () => {
  const settingsOf = (evaluator: object) => evaluatorConfigFrom(loadConfig({ env: {}, overrides: { stages: { evaluator: { apiTokens: [TOKEN], ...evaluator } } } }), {});
  assert.throws(() => settingsOf({ jobs: { leaseMs: 1e10, pollMs: 3e9 } }), (err: Error) => /jobs\.leaseMs: .*at most 2147483647/.test(err.message) && /jobs\.pollMs: .*at most 2147483647/.test(err.message));
  assert.throws(() => settingsOf({ dashboardPollMs: 2 ** 31 }), /dashboardPollMs: .*at most 2147483647/);
  assert.equal(settingsOf({ jobs: { leaseMs: 3_600_000 } }).jobs.leaseMs, 3_600_000);
});

test('settings come from the stages.evaluator section and CPTFLOW__STAGES__EVALUATOR__* variables', () => {
  const config = loadConfig({
    env: { CPTFLOW__STAGES__EVALUATOR__LIMIT: '100', CPTFLOW__STAGES__EVALUATOR__NUM_FEWSHOT: '5' },
    overrides: { stages: { evaluator: { tasks: ['mmlu'], apiTokens: [TOKEN], heldout: [{ name: 'heldout_domain', path: 'data/corpora/domain.heldout.jsonl.gz' }] } } },
  });
  const e = evaluatorConfigFrom(config, {});
  assert.equal(e.limit, 100);
  assert.equal(e.numFewshot, 5);
  assert.deepEqual(e.tasks, ['mmlu']);
  assert.equal(e.heldout[0].name, 'heldout_domain');
});

test('a bad section fails at start naming every bad field', () => {
  const config = loadConfig({ env: {}, overrides: { stages: { evaluator: { tasks: ['ARC Easy'], mmluSubjects: ['cooking'], batchSize: 0, apiTokens: ['short'], bogus: 1 } } } });
  assert.throws(
    () => evaluatorConfigFrom(config, {}),
    (err: Error) => /tasks\.0/.test(err.message) && /batchSize/.test(err.message) && /apiTokens\.0/.test(err.message) && /mmluSubjects\.0/.test(err.message) && /bogus/.test(err.message),
  );
});
