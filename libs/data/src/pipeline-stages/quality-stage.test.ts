import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type CptflowConfig,
  topicsSchema,
  codecFor,
  Document,
  Rejection,
  type ConsumedBatch,
  type OutgoingRecord,
} from '@cptflow/platform';
import { OnnxTextClassifierScorer } from '../model-scorer';
import { buildBagOfTokensClassifier, tinyTokenizerJson, writeTemp } from '../model-scorer/testing/bag-of-tokens-classifier';
import { PROSE } from '../quality/filters/test-texts';
import type { DocumentScorer } from '../quality';
import { documentCodec } from './document-batch';
import { createQualityStage, QUALITY_SCORE_KEY } from './quality-stage';
import { openDocumentScorer, qualitySettings } from './stage-settings';

const rejectionCodec = codecFor<Rejection>(Rejection);
const topics = topicsSchema.parse({});

// Five sentences of real-looking prose pass FineWeb's heuristics; the last sentence decides the score.
const PROSE5 = PROSE + '\nThe water went down again within a week.';
const MARKERS: Record<string, number> = { physics: 40, chemistry: 30, cheap: -40 };
const WORDS = Object.keys(MARKERS);
const weights = [[100], [0], [0], [0], ...WORDS.map((w) => [MARKERS[w]])]; // [PAD] weighs 100: masking must hold
/** bias 0 + mean weight over [CLS], whitespace tokens (unknown ones weigh 0), [SEP]. */
function expectedScore(text: string): number {
  const tokens = text.toLowerCase().split(/\s+/).filter(Boolean);
  return tokens.reduce((s, t) => s + (MARKERS[t] ?? 0), 0) / (tokens.length + 2);
}

const DOCS: Document[] = [
  { id: 'edu', text: `${PROSE5}\nThe class then turned to physics and chemistry for the rest of the day.`, metadata: { dump: 'CC-MAIN-2024-10' } },
  { id: 'spam', text: `${PROSE5}\nThe shop down the road sells cheap boots to anyone who asks.` },
  { id: 'short', text: 'Physics is fun.' }, // rejected by the heuristics (one 2-gram covers it all), never scored
  { id: 'plain', text: PROSE5 },
];
const THRESHOLD = 0.2;

function batchOf(docs: Document[], extra: Buffer[] = []): ConsumedBatch {
  const values = [...docs.map((d) => documentCodec.encode(d)), ...extra];
  return { topic: topics.docsRaw, partition: 0, records: values.map((value, i) => ({ topic: topics.docsRaw, partition: 0, offset: String(i), key: undefined, value, headers: {} })) };
}

function byTopic(out: OutgoingRecord[]) {
  return {
    kept: out.filter((r) => r.topic === topics.docsFiltered).map((r) => documentCodec.decode(r.value)),
    rejected: out.filter((r) => r.topic === topics.docsRejected).map((r) => rejectionCodec.decode(r.value)),
    dead: out.filter((r) => r.topic.includes('dlq')),
  };
}

describe('quality-filter stage with a model scorer', () => {
  let dir: string;
  let modelPath: string;
  let tokenizerPath: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-quality-stage-'));
    modelPath = writeTemp(dir, 'model.onnx', buildBagOfTokensClassifier({ weights, bias: [0] }));
    tokenizerPath = writeTemp(dir, 'tokenizer.json', tinyTokenizerJson(WORDS));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores the heuristics survivors, rejects those below the threshold and records quality_score on the kept', async () => {
    const model = await OnnxTextClassifierScorer.open({ modelPath, tokenizerPath, threshold: THRESHOLD, batchSize: 2, name: 'edu_classifier' });
    const seen: string[] = [];
    const scorer: DocumentScorer = { name: model.name, threshold: model.threshold, score: (texts) => (seen.push(...texts), model.score(texts)), close: () => model.close() };
    const stage = createQualityStage({ topics, scorer });
    const out = await stage.handle(batchOf(DOCS, [Buffer.from([0xff, 0x01])]));
    await stage.close!();
    const { kept, rejected, dead } = byTopic(out);

    assert.ok(expectedScore(DOCS[0].text!) >= THRESHOLD && expectedScore(DOCS[1].text!) < THRESHOLD && expectedScore(DOCS[3].text!) < THRESHOLD);
    assert.deepEqual(seen, [DOCS[0].text, DOCS[1].text, DOCS[3].text], 'only the documents the heuristics kept are scored');
    assert.equal(dead.length, 1);

    assert.deepEqual(kept.map((d) => d.id), ['edu']);
    assert.equal(kept[0].metadata!.dump, 'CC-MAIN-2024-10', 'source metadata is kept');
    assert.ok(Math.abs(Number(kept[0].metadata![QUALITY_SCORE_KEY]) - expectedScore(DOCS[0].text!)) < 1e-5);

    assert.deepEqual(rejected.map((r) => [r.document!.id, r.filter, r.rule]), [
      ['spam', 'edu_classifier', 'score_below_threshold'],
      ['short', 'gopher_repetition', 'top_2_gram'],
      ['plain', 'edu_classifier', 'score_below_threshold'],
    ]);
    for (const r of rejected.filter((x) => x.filter === 'edu_classifier')) {
      assert.equal(r.threshold, THRESHOLD);
      assert.ok(Math.abs(r.value! - expectedScore(r.document!.text!)) < 1e-5, `${r.document!.id}: ${r.value}`);
      assert.equal(r.document!.metadata?.[QUALITY_SCORE_KEY], undefined);
    }
    // Outputs keep the input order (dead letters first, as before).
    assert.deepEqual(out.slice(1).map((r) => r.key), ['edu', 'spam', 'short', 'plain']);
  });

  it('without a scorer the stage writes exactly what it wrote before: heuristics only, no quality_score', async () => {
    const stage = createQualityStage({ topics });
    const out = await stage.handle(batchOf(DOCS));
    const { kept, rejected } = byTopic(out);
    assert.deepEqual(kept.map((d) => d.id), ['edu', 'spam', 'plain']);
    assert.deepEqual(rejected.map((r) => r.rule), ['top_2_gram']);
    for (const d of kept) assert.equal(d.metadata?.[QUALITY_SCORE_KEY], undefined);
    // The kept records are byte-identical to the input documents (text not rewritten, nothing added).
    assert.deepEqual(out.filter((r) => r.topic === topics.docsFiltered).map((r) => r.value), [0, 1, 3].map((i) => documentCodec.encode(DOCS[i])));
    await stage.close?.();
  });

  it('settings: stages.qualityFilter.scorer is optional, validated, and opened into a scorer', async () => {
    const config = (qualityFilter: unknown) => ({ stages: { qualityFilter } }) as unknown as CptflowConfig;
    assert.equal(qualitySettings(config({})).scorer, undefined);
    assert.equal(await openDocumentScorer(qualitySettings(config({}))), undefined);
    const settings = qualitySettings(config({ scorer: { modelPath, tokenizerPath } }));
    assert.deepEqual(settings.scorer, { modelPath, tokenizerPath, threshold: 2.5, batchSize: 32, maxLength: 512, mode: 'regression', name: 'text_classifier', backend: 'worker' });
    assert.throws(() => qualitySettings(config({ scorer: { modelPath, tokenizerPath, mode: 'class_probability' } })), /classIndex/);
    assert.throws(() => qualitySettings(config({ scorer: { modelPath, tokenizerPath, treshold: 3 } })), /treshold/);
    // A missing model file is found when the settings are read (exit 2 at start), before anything is opened.
    assert.throws(() => qualitySettings(config({ scorer: { modelPath: path.join(dir, 'missing.onnx'), tokenizerPath } })), /stages\.qualityFilter\.scorer\.modelPath: .*missing\.onnx does not exist/);
    const scorer = await openDocumentScorer(qualitySettings(config({ scorer: { modelPath, tokenizerPath, threshold: THRESHOLD, backend: 'in-process' } })));
    assert.ok(scorer);
    const [score] = await scorer.score([DOCS[0].text!]);
    assert.ok(Math.abs(score - expectedScore(DOCS[0].text!)) < 1e-5);
    await scorer.close!();
  });
});
