import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateTask } from './evaluate';
import { ScoreRequest } from './scorer';
import { loadTaskDefinitions, parseTaskDefinition } from './task-loader';
import { TaskDefinitionError } from './task-definition';
import { Tokenizer } from '@cptflow/model';

const charTokenizer: Tokenizer = { bosToken: '<s>', prefixTokenId: 1, encode: (t, s) => [...(s ? [1] : []), ...Array.from(t, (c) => c.codePointAt(0)!)] };

describe('user-defined tasks from JSON', () => {
  it('evaluates a new benchmark written only as a JSON definition plus a JSONL file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-task-'));
    try {
      fs.mkdirSync(path.join(dir, 'data', 'me', 'capitals'), { recursive: true });
      const rows = [
        { country: 'France', options: ['Paris', 'Lyon'], answer: 'Paris' },
        { country: 'Japan', options: ['Osaka', 'Tokyo'], answer: 'Tokyo' },
        { country: 'Peru', options: ['Lima', 'Cusco'], answer: 'Cusco' },
      ];
      fs.writeFileSync(path.join(dir, 'data', 'me', 'capitals', 'test.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
      const definition = {
        name: 'capitals', dataset: { path: 'me/capitals' }, testSplit: 'test', requiredColumns: ['country', 'options', 'answer'],
        description: 'Capitals.\n\n', docToText: { template: 'The capital of {{country}} is' }, docToChoice: { column: 'options' },
        docToTarget: { column: 'answer' }, metrics: ['acc', 'acc_norm'],
      };
      fs.writeFileSync(path.join(dir, 'capitals.json'), JSON.stringify(definition));
      const [task] = loadTaskDefinitions(path.join(dir, 'capitals.json'));
      const seen: ScoreRequest[] = [];
      // log-likelihood = number of "o" in the continuation: prefers Lyon, Tokyo, Cusco
      const model = {
        scoreBatch: (reqs: ScoreRequest[]) => {
          seen.push(...reqs);
          return reqs.map((r) => ({ logprob: r.continuationIds.filter((c) => c === 111).length, isGreedy: false }));
        },
      };
      const result = await evaluateTask(path.join(dir, 'data'), task, charTokenizer, model);
      assert.deepEqual(result.samples.map((s) => s.pred), [1, 1, 1]);
      assert.deepEqual(result.samples.map((s) => s.gold), [0, 1, 1]);
      assert.equal(result.score.metrics.acc!.value, 2 / 3);
      assert.ok(Math.abs(result.score.metrics.acc!.stderr! - 1 / 3) < 1e-15);
      assert.equal(result.docs[0].requests[0].context, 'Capitals.\n\nThe capital of France is');
      assert.equal(result.docs[0].requests[0].continuation, ' Paris');
      assert.equal(seen.length, 6);
      assert.deepEqual(result.settings, { task: 'capitals', version: undefined, numFewshot: 0, fewshotSeed: 1234, addBosToken: undefined, limit: undefined, metrics: ['acc', 'acc_norm'] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a definition with a clear message naming the source and the field', () => {
    const base = { name: 'x', dataset: { path: 'p' }, testSplit: 'test', requiredColumns: [], docToText: { template: '' }, docToChoice: { literal: ['a'] }, docToTarget: { column: 'y' }, metrics: ['acc'] };
    assert.throws(() => parseTaskDefinition({ ...base, metrics: ['accuracy'] }, 'my.json'), (e: Error) => e instanceof TaskDefinitionError && /my\.json: "metrics"/.test(e.message));
    assert.throws(() => parseTaskDefinition({ ...base, docToText: { template: 'a', column: 'b' } }, 'my.json'), /"docToText" must have exactly one of/);
    // the value inside a field form, dataset.files and processDocs: refused when the definition is read, not by every evaluation job later
    const refused: Array<[object, RegExp]> = [
      [{ docToText: { template: 7 } }, /"docToText\.template" must be a string/],
      [{ docToChoice: { column: ['options'] } }, /"docToChoice\.column" must be a string/],
      [{ docToChoice: { columns: 'a,b' } }, /"docToChoice\.columns" must be a list of strings/],
      [{ docToTarget: { indexOf: { list: 'labels' } } }, /"docToTarget\.indexOf" must be \{ "list": column, "value": column \}/],
      [{ docToChoice: { literal: { a: 1 } } }, /"docToChoice\.literal" must be a string, a number or a list of strings/],
      [{ docToTarget: { fn: 'no_such_function' } }, /"docToTarget\.fn": unknown doc function "no_such_function"/],
      [{ processDocs: 'no_such_processor' }, /"processDocs": unknown processDocs "no_such_processor"/],
      [{ dataset: { path: 'p', files: { test: 'test.jsonl' } } }, /"dataset\.files" must map each split to a list of file names/],
    ];
    for (const [change, message] of refused) {
      assert.throws(() => parseTaskDefinition({ ...base, ...change }, 'my.json'), (e: Error) => e instanceof TaskDefinitionError && /^my\.json: /.test(e.message) && message.test(e.message), JSON.stringify(change));
    }
    const { testSplit: _drop, ...noSplit } = base;
    assert.throws(() => parseTaskDefinition(noSplit, 'my.json'), /testSplit" or "validationSplit/);
  });
});
