// `cptflow eval` as a user runs it: the built CLI as a process, on the shipped tiny base model and
// the fixture task files. Outputs are read back with plain JSON (the harness's own reader is the
// check by hand in libs/evaluation/README.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist/services/cli/src/main.js');
const MODEL = path.join(ROOT, 'data/models/cptflow-tiny-base');
const TASKS_DIR = path.join(ROOT, 'libs/evaluation/fixtures/eval/data');

function cptflow(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cptflow eval', () => {
  it("scores a model 5-shot without training: the harness's table, results JSON and --log_samples JSONL", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-eval-'));
    try {
      const r = cptflow(['eval', '--model', MODEL, '--tasks', 'arc_easy', 'mmlu', '--tasks-dir', TASKS_DIR, '--num-fewshot', '5', '--limit', '4', '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\|\s+Tasks\s+\|Version\|Filter\|n-shot\| Metric \|   \|Value \|   \|Stderr\|$/m);
      assert.match(r.stdout, /^\|arc_easy\s+\|\s+1\|none  \|\s+5\|acc\s+\|↑  \|\d\.\d{4}\|±  \|\d\.\d{4}\|$/m);
      assert.match(r.stdout, /^\|mmlu\s+\|\s+2\|none  \|\s+5\|acc/m);
      assert.match(r.stdout, /^\|\s+Groups\s+\|/m);
      assert.match(r.stderr, /\[eval\] mmlu: scored over the 3 of 57 subjects present .*no data for: mmlu_anatomy /);

      const dir = path.join(out, fs.readdirSync(out)[0]);
      const files = fs.readdirSync(dir).sort();
      const resultsFile = files.find((f) => /^results_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{6}\.json$/.test(f));
      assert.ok(resultsFile, files.join(' '));
      const results = JSON.parse(fs.readFileSync(path.join(dir, resultsFile), 'utf8'));
      assert.equal(typeof results.results.arc_easy['acc,none'], 'number');
      assert.equal(typeof results.results.arc_easy['acc_norm_stderr,none'], 'number');
      assert.deepEqual(results['n-samples'].arc_easy, { original: 8, effective: 4 });
      assert.equal(results['n-shot'].mmlu_world_religions, 5);
      assert.ok(results.groups.mmlu['acc,none'] >= 0);

      const samples = fs.readFileSync(path.join(dir, files.find((f) => f.startsWith('samples_arc_easy_'))!), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(samples.length, 4);
      const s = samples[0];
      assert.equal(s.doc.question, 'Which part of a plant takes in water from the soil?');
      assert.equal(Object.keys(s.arguments).length, 4);
      assert.ok(s.arguments.gen_args_0.arg_0.endsWith('Question: Which part of a plant takes in water from the soil?\nAnswer:'));
      assert.equal((s.arguments.gen_args_0.arg_0.match(/\n\n/g) ?? []).length, 5, 'five few-shot examples precede the question');
      assert.equal(s.arguments.gen_args_0.arg_1, ' the roots');
      assert.match(s.resps[0][0][0], /^-\d+\.\d+$/);
      assert.ok(s.acc === 0 || s.acc === 1);
      assert.ok(s.acc_norm === 0 || s.acc_norm === 1);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('checks every requested task first: lists each unknown or missing one on its own line and exits 2 without a stack trace', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-eval-empty-'));
    try {
      fs.mkdirSync(path.join(empty, 'piqa'));
      fs.copyFileSync(path.join(TASKS_DIR, 'baber/piqa/data/validation.jsonl'), path.join(empty, 'piqa', 'validation.jsonl'));
      const r = cptflow(['eval', '--model', MODEL, '--tasks', 'hellaswag', 'piqa', 'no_such_task', 'winogrande', '--tasks-dir', empty]);
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 3, r.stderr);
      assert.match(lines[0], /^cptflow eval: unknown task\(s\): no_such_task/);
      assert.match(lines[1], /^cptflow eval: missing hellaswag \(split "validation"\) under .*: tried hellaswag\/validation\{/);
      assert.match(lines[2], /^cptflow eval: missing winogrande \(split "validation"\) under .*allenai\/winogrande\/\{winogrande_xl\//);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, '');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a model directory with a broken config.json or cut-short weights is exit 2 naming the file, for eval and for run before any work', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-bad-model-'));
    try {
      const badConfig = path.join(dir, 'bad-config');
      fs.mkdirSync(badConfig);
      const config = JSON.parse(fs.readFileSync(path.join(MODEL, 'config.json'), 'utf8'));
      fs.writeFileSync(path.join(badConfig, 'config.json'), JSON.stringify({ ...config, hidden_size: -64 }));
      fs.copyFileSync(path.join(MODEL, 'model.safetensors'), path.join(badConfig, 'model.safetensors'));
      const cut = path.join(dir, 'cut-weights');
      fs.mkdirSync(cut);
      fs.copyFileSync(path.join(MODEL, 'config.json'), path.join(cut, 'config.json'));
      const weights = fs.readFileSync(path.join(MODEL, 'model.safetensors'));
      fs.writeFileSync(path.join(cut, 'model.safetensors'), weights.subarray(0, weights.length >> 1));
      fs.copyFileSync(path.join(ROOT, 'dist/tokenizers/llama2/tokenizer.json'), path.join(cut, 'tokenizer.json'));

      const evalConfig = cptflow(['eval', '--model', badConfig, '--tasks', 'arc_easy', '--tasks-dir', TASKS_DIR, '--limit', '1']);
      assert.equal(evalConfig.code, 2, evalConfig.stderr);
      assert.match(evalConfig.stderr, /^cptflow eval: .*bad-config\/config\.json: hidden_size must be a positive integer, got -64$/m);
      const evalCut = cptflow(['eval', '--model', cut, '--tasks', 'arc_easy', '--tasks-dir', TASKS_DIR, '--limit', '1']);
      assert.equal(evalCut.code, 2, evalCut.stderr);
      assert.match(evalCut.stderr, /^cptflow eval: .*cut-weights\/model\.safetensors: .*truncated/m);
      for (const r of [evalConfig, evalCut]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

      const run = cptflow(['run', '--base-model', cut, '--out', path.join(dir, 'run')]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^cptflow run: .*model\.safetensors: .*truncated/m);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      assert.doesNotMatch(run.stdout, /Document pipeline/, 'stopped before any work');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cptflow run checks its --tasks the same way before any work', () => {
    const r = cptflow(['run', '--tasks', 'arc_easy', 'no_such_task', '--tasks-dir', path.join(ROOT, 'data'), '--out', path.join(os.tmpdir(), 'cptflow-run-never')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^cptflow run: unknown task\(s\): no_such_task/m);
    assert.match(r.stderr, /^cptflow run: missing arc_easy \(split "test"\)/m);
    assert.doesNotMatch(r.stdout, /Document pipeline/);
  });

  it('refuses task rows whose fields have the wrong type, naming task, split and document, before any scoring (exit 2)', () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-eval-rows-'));
    const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    try {
      fs.mkdirSync(path.join(data, 'piqa'));
      fs.writeFileSync(path.join(data, 'piqa', 'validation.jsonl'), jsonl([
        { goal: 'Open a jar?', sol1: 'Twist the lid.', sol2: 'Freeze it.', label: 0 },
        { goal: 'Dry shoes?', sol1: 'Newspaper.', sol2: null, label: 0 },
      ]));
      fs.mkdirSync(path.join(data, 'arc_easy'));
      fs.writeFileSync(path.join(data, 'arc_easy', 'test.jsonl'), jsonl([{ id: 'a', question: 'Q?', choices: { text: [], label: [] }, answerKey: 'A' }]));
      fs.mkdirSync(path.join(data, 'boolq'));
      fs.writeFileSync(path.join(data, 'boolq', 'validation.jsonl'), jsonl([{ passage: 'P.', question: 'q', label: 1, idx: 0 }, { passage: 'P.', question: 'q', label: null, idx: 1 }]));
      const r = cptflow(['eval', '--model', MODEL, '--tasks', 'piqa', 'arc_easy', 'boolq', '--tasks-dir', data]);
      assert.equal(r.code, 2, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.match(r.stderr, /^cptflow eval: piqa: split "validation" document 1: .*docToChoice must give a list of strings, got \["Newspaper\.",null\]$/m);
      assert.match(r.stderr, /^cptflow eval: arc_easy: split "test" document 0: .*no choices/m);
      assert.match(r.stderr, /^cptflow eval: boolq: split "validation" document 1: /m);
    } finally {
      fs.rmSync(data, { recursive: true, force: true });
    }
  });

  it('refuses a few-shot pool smaller than k, and bad numbers, with exit 2', () => {
    const r = cptflow(['eval', '--model', MODEL, '--tasks', 'piqa', '--tasks-dir', TASKS_DIR, '--num-fewshot', '5']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /piqa: 5-shot needs 6 examples from split "train", which has 3/);
    const bad = cptflow(['eval', '--model', MODEL, '--tasks', 'piqa', '--tasks-dir', TASKS_DIR, '--limit', 'lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--limit must be a positive count or a fraction < 1, got "lots"/);
  });
});
