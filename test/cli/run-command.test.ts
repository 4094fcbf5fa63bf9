// Issue 6, "what it must show" 1 in small: `cptflow run` (what `npm start` runs) completes on a slice of
// the bundled corpora with the shipped base model, prints the pipeline and training summaries, and
// leaves a report and a results database behind. The full-size run is the README's main job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openResultsStore } from '@cptflow/results';
import { corpusSlice, runCli } from '../support/cli-process';

test('cptflow run: pipeline, continued pre-training with and without replay, evaluation and report', { timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-run-'));
  try {
    const out = path.join(dir, 'out');
    const { code, output } = await runCli(
      [
        'run',
        '--domain', corpusSlice('domain', 200, dir),
        '--general', corpusSlice('general', 40, dir),
        '--tokens', '8k',
        '--checkpoint-every', '4k',
        '--heldout-docs', '2',
        '--out', out,
      ],
      280_000,
    );
    assert.equal(code, 0, output);
    // A clean run says nothing at error level: no bus handler failures (the trainer's backpressure is
    // flow control, not a failure), no Nest ERROR lines, no stack traces.
    const errorLines = output.split('\n').filter((line) => /\bERROR\b|\[(memory|kafka)-bus\]|\bhandler for\b|^\s+at \S+ \(|\w*Error: /.test(line));
    assert.deepEqual(errorLines, [], output);
    assert.match(output, /Document pipeline/);
    assert.match(output, /kept\s+unique documents\s+\d+/);
    assert.match(output, /cpt-replay\s+5%/);
    assert.match(output, /cpt-no-replay\s+0%/);
    assert.match(output, /General-text perplexity changed/);
    // report.html is the dashboard page with the run's data embedded (test/dashboard draws it in Chromium).
    const report = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const embedded = JSON.parse(/<script id="cptflow-config" type="application\/json">(.*?)<\/script>/s.exec(report)![1]!);
    assert.equal(embedded.mode, 'static');
    for (const run of embedded.data.runs) {
      assert.ok(run.training.length > 0, `${run.name}: training curve embedded`);
      assert.ok(run.checkpoints.length >= 3, `${run.name}: base and at least two checkpoints embedded`);
    }
    const stages = embedded.data.accounting.map((a: { stage: string }) => a.stage);
    for (const stage of ['quality-filter', 'dedup', 'packer']) assert.ok(stages.includes(stage), `${stage} accounting embedded (got ${stages})`);

    // Every checkpoint and each run's base were evaluated, and domain perplexity fell.
    const store = await openResultsStore({ sqlitePath: path.join(out, 'results.sqlite') });
    try {
      for (const run of ['cpt-replay', 'cpt-no-replay']) {
        const trend = await store.results.trend(run, 'heldout_domain', 'token_perplexity');
        assert.ok(trend.points.length >= 3, `${run}: base and at least two checkpoints`);
        assert.ok(trend.points[0]!.isBase);
        const last = trend.points[trend.points.length - 1]!;
        assert.ok(last.value < trend.points[0]!.value, `${run}: domain perplexity ${trend.points[0]!.value} -> ${last.value}`);
      }
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
