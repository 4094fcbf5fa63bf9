// The single-process pipeline (embedded bus) with the quality filter's model scorer configured: the
// tiny BERT classifier fixture (libs/data/fixtures/model-scorer) rejects exactly the heuristics survivors
// it scores below the threshold, and everything else is as without a scorer.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { loadConfig, createBus } from '@cptflow/platform';
import { LocalPipeline } from '@cptflow/local-run';
import { OnnxTextClassifierScorer, QualityPipeline } from '@cptflow/data';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURE = path.join(ROOT, 'libs/data/fixtures/model-scorer/tiny-bert');
const scorerSettings = { modelPath: path.join(FIXTURE, 'model.onnx'), tokenizerPath: path.join(FIXTURE, 'tokenizer.json'), maxLength: 64, threshold: 2.5, name: 'tiny_bert' };

async function runPipeline(corpusPath: string, qualityFilter: Record<string, unknown>) {
  const config = loadConfig({ env: {}, overrides: { bus: { kind: 'memory' }, stages: { qualityFilter } } });
  const bus = createBus(config.bus);
  const pipeline = await LocalPipeline.start({ config, bus, settleTimeoutMs: 120_000 });
  await pipeline.ingest({ path: corpusPath, corpus: 'domain' });
  const counts = await pipeline.settle();
  await pipeline.stop();
  await bus.close();
  return counts;
}

test('local run with a model scorer: rejections by score_below_threshold are exactly the low-scoring heuristics survivors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-local-scorer-'));
  try {
    // The first 80 documents of the bundled domain corpus (Python documentation pages).
    const lines = gunzipSync(fs.readFileSync(path.join(ROOT, 'data/corpora/domain.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean).slice(0, 80);
    const corpusPath = path.join(dir, 'docs.jsonl');
    fs.writeFileSync(corpusPath, lines.join('\n') + '\n');

    // What the stage should decide: the heuristics, then the scorer on the (possibly C4-rewritten) survivors.
    const heuristics = QualityPipeline.fromConfig();
    const survivors = lines.map((l) => heuristics.run(JSON.parse(l).text)).flatMap((v) => (v.keep ? [v.text] : []));
    const scorer = await OnnxTextClassifierScorer.open({ ...scorerSettings, backend: 'in-process' });
    const lowScores = (await scorer.score(survivors)).filter((s) => s < 2.5).length;
    await scorer.close();
    assert.ok(lowScores > 0 && lowScores < survivors.length, `the fixture should reject some but not all survivors (${lowScores}/${survivors.length})`);

    const without = await runPipeline(corpusPath, {});
    const withScorer = await runPipeline(corpusPath, { scorer: scorerSettings });
    assert.equal(withScorer.ingested, lines.length);
    assert.equal(withScorer.rejectedByRule['tiny_bert/score_below_threshold'], lowScores);
    const { ['tiny_bert/score_below_threshold']: _, ...heuristicRules } = withScorer.rejectedByRule;
    assert.deepEqual(heuristicRules, without.rejectedByRule, 'the heuristics decide as without a scorer');
    assert.equal(withScorer.rejected, without.rejected + lowScores);
    // Every document is accounted for.
    assert.equal(withScorer.rejected + withScorer.unique + withScorer.exactDuplicates + withScorer.nearDuplicates, lines.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
