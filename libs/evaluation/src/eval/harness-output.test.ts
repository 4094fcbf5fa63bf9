// cptflow's results JSON, --log_samples lines and results table against what lm-evaluation-harness
// 0.4.13 itself wrote for the 5-shot arc_easy + MMLU fixture run (recorded, without paths and times,
// by fixtures/make_lm_eval_reference.py: harness_output).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtinTasks } from './builtin-tasks';
import { evaluateTaskDocs, loadTaskDocs } from './evaluate';
import { harnessResults, harnessSamples, harnessTable, HarnessResults, HarnessTaskInput, pyFloatRepr, writeHarnessOutput } from './harness-output';
import { aggregateGroup } from './metrics';
import { fixturesDir, loadReference, ReferenceTask, ReplayModel } from './testing';
import { selectTasks } from './task-selection';
import { HfTokenizer } from '@cptflow/model';

interface HarnessOutput {
  top_level_keys: string[];
  config_keys: string[];
  sections: HarnessResults;
  table: string;
  file_names: string[];
  sample_keys: string[];
  first_sample: Record<string, unknown>;
}

const reference = loadReference() as unknown as ReturnType<typeof loadReference> & { harness_output: HarnessOutput };
const recorded = reference.harness_output;
const dataRoot = path.join(fixturesDir(), 'data');
const tokenizer = HfTokenizer.fromFile(path.join(fixturesDir(), 'model', 'tokenizer.json'));
const LEAVES = ['arc_easy', 'mmlu_abstract_algebra', 'mmlu_high_school_government_and_politics', 'mmlu_world_religions'];

async function ourFiveShotRun(): Promise<{ inputs: HarnessTaskInput[]; results: HarnessResults }> {
  const run = reference.runs['5'];
  const model = new ReplayModel(LEAVES.flatMap((t) => (run[t] as ReferenceTask).requests), reference.max_length);
  const selection = selectTasks(['arc_easy', 'mmlu'], { dataRoot, numFewshot: 5 });
  const inputs: HarnessTaskInput[] = [];
  for (const task of selection.leaves) {
    const docs = await loadTaskDocs(dataRoot, task, { numFewshot: 5 });
    inputs.push({ task, evaluation: await evaluateTaskDocs(task, docs, tokenizer, model, { numFewshot: 5 }), originalCount: docs.evalDocs.length });
  }
  const groups = selection.groups.map((g) => aggregateGroup(g, inputs.map((i) => i.evaluation.score)));
  const results = harnessResults(inputs, groups, selection.subtasks, { model: 'fixtures/model', numFewshot: 5, limit: null, batchSize: 32, fewshotSeed: 1234, startTime: 0, endTime: 1000, producer: 'cptflow test' });
  return { inputs, results };
}

describe('lm-evaluation-harness output format', () => {
  it("renders the harness's own results exactly as its make_table does (tasks and groups tables)", () => {
    const table = `${harnessTable(recorded.sections)}\n${harnessTable(recorded.sections, 'groups')}`;
    assert.equal(table, recorded.table);
  });

  it('writes every top-level key, config key and per-task entry the harness writes, with its values', async () => {
    const { results } = await ourFiveShotRun();
    const written = JSON.parse(JSON.stringify(results)) as HarnessResults;
    for (const key of recorded.top_level_keys) assert.ok(key in written, `top-level key ${key}`);
    for (const key of recorded.config_keys) assert.ok(key in written.configs.arc_easy, `config key ${key}`);
    for (const task of LEAVES) {
      const theirs = recorded.sections.results[task];
      const ours = written.results[task];
      for (const key of Object.keys(theirs)) assert.equal(ours[key], theirs[key], `${task} ${key}`);
      assert.deepEqual(written['n-samples'][task], recorded.sections['n-samples'][task]);
      assert.equal(written['n-shot'][task], 5);
      assert.deepEqual(written.higher_is_better[task], recorded.sections.higher_is_better[task]);
      assert.equal(written.versions[task], recorded.sections.versions[task]);
    }
    // the harness's fixture group over the three subjects is cptflow's mmlu over the subjects present
    const group = recorded.sections.groups!.fixture_mmlu;
    assert.equal(written.groups!.mmlu['acc,none'], group['acc,none']);
    assert.ok(Math.abs((written.groups!.mmlu['acc_stderr,none'] as number) - (group['acc_stderr,none'] as number)) < 1e-15);
    assert.deepEqual(written.group_subtasks.mmlu, ['mmlu_stem', 'mmlu_social_sciences', 'mmlu_humanities']);
  });

  it('writes --log_samples lines with the keys and content of the harness lines (doc, target, arguments, resps, acc/acc_norm)', async () => {
    const { inputs } = await ourFiveShotRun();
    const arc = inputs.find((i) => i.task.name === 'arc_easy')!;
    const first = JSON.parse(JSON.stringify(harnessSamples(arc.task, arc.evaluation)[0])) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first).sort(), recorded.sample_keys);
    for (const [key, value] of Object.entries(recorded.first_sample)) assert.deepEqual(first[key], value, key);
  });

  it('names the files as EvaluationTracker does: <model sanitised>/results_<date>.json, samples_<task>_<date>.jsonl', async () => {
    const { inputs, results } = await ourFiveShotRun();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-output-'));
    try {
      const samples = new Map(inputs.map((i) => [i.task.name, harnessSamples(i.task, i.evaluation)]));
      const written = writeHarnessOutput(dir, results, samples, '2026-12-03T21-35-48.295333');
      const names = [written.resultsFile, ...written.sampleFiles].map((f) => path.relative(dir, f).split(path.sep).join('/')).sort();
      const expected = recorded.file_names.map((f) => `fixtures__model/${f.split('/')[1]}`).sort();
      assert.deepEqual(names, expected);
      const lines = fs.readFileSync(written.sampleFiles[0], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, 8);
      assert.equal(typeof JSON.parse(fs.readFileSync(written.resultsFile, 'utf8')).task_hashes.arc_easy, 'string');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes log-likelihoods as Python's str(float)", () => {
    assert.equal(pyFloatRepr(-25.755598068237305), '-25.755598068237305');
    assert.equal(pyFloatRepr(-3), '-3.0');
    assert.equal(pyFloatRepr(1e-5), '1e-05');
    assert.equal(pyFloatRepr(-1.5e16), '-1.5e+16');
    assert.equal(pyFloatRepr(0.0001), '0.0001');
    assert.equal(pyFloatRepr(-Infinity), '-inf');
  });
});
