// `cptflow run` prints the benchmark scores (base -> last checkpoint) beside the perplexity summary.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { benchmarkSummaryTable, type CheckpointScores, type RunResults } from './run-report';

function checkpoint(step: number, isBase: boolean, scores: Record<string, Record<string, number>>): CheckpointScores {
  return { step, tokensSeen: step * 1000, isBase, scores: new Map(Object.entries(scores).map(([t, m]) => [t, new Map(Object.entries(m))])) };
}

describe('cptflow run benchmark table', () => {
  it('lists each benchmark task and metric with the base score, the last checkpoint score and the change', () => {
    const runs: RunResults[] = [{
      run: 'cpt-replay',
      checkpoints: [
        checkpoint(0, true, { arc_easy: { acc: 0.25, acc_norm: 0.3 }, heldout_domain: { token_perplexity: 80 } }),
        checkpoint(10, false, { arc_easy: { acc: 0.3, acc_norm: 0.35 }, heldout_domain: { token_perplexity: 60 } }),
        checkpoint(20, false, { arc_easy: { acc: 0.375, acc_norm: 0.25 }, heldout_domain: { token_perplexity: 50 } }),
      ],
    }];
    const table = benchmarkSummaryTable(runs)!;
    assert.match(table, /^Benchmarks \(base -> last checkpoint\)/);
    assert.match(table, /^cpt-replay\s+arc_easy\s+acc\s+0\.2500\s+0\.3750\s+0\.1250$/m);
    assert.match(table, /^cpt-replay\s+arc_easy\s+acc_norm\s+0\.3000\s+0\.2500\s+-0\.0500$/m);
    assert.doesNotMatch(table, /heldout_domain/);
  });

  it('is absent when no benchmark task was scored', () => {
    assert.equal(benchmarkSummaryTable([{ run: 'cpt', checkpoints: [checkpoint(0, true, { heldout_domain: { token_perplexity: 80 } })] }]), null);
  });
});
