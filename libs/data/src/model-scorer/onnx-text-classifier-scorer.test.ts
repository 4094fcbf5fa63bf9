import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Tokenizer } from 'tokenizers';
import { defaultTokenizerPath } from '../packing';
import { scoreRejection } from '../quality';
import { OnnxTextClassifierScorer } from './onnx-text-classifier-scorer';
import { buildBagOfTokensClassifier, tinyTokenizerJson, writeTemp } from './testing/bag-of-tokens-classifier';

// Vocabulary: specials 0-3, then these words from id 4. Educational words weigh high, junk low,
// and [PAD] weighs 100 so that any padding which leaks past the attention mask shows.
const WORDS = ['photosynthesis', 'equation', 'theorem', 'history', 'the', 'is', 'buy', 'now', 'click', 'cheap'];
const WORD_WEIGHT: Record<string, number> = { photosynthesis: 5, equation: 4, theorem: 4.5, history: 3, the: 1, is: 1, buy: -2, now: -1, click: -3, cheap: -2.5 };
const SPECIAL_WEIGHTS = [100, 0, 0.5, 0.25]; // [PAD] [UNK] [CLS] [SEP]
const BIAS = 0.125;
const weights = [...SPECIAL_WEIGHTS, ...WORDS.map((w) => WORD_WEIGHT[w])].map((w) => [w]);

/** The model's score in float64, by hand: bias + mean weight of [CLS], the words (truncated), [SEP]. */
function expectedScore(text: string, maxLength = 512): number {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean).slice(0, maxLength - 2);
  const tokenWeights = [SPECIAL_WEIGHTS[2], ...words.map((w) => WORD_WEIGHT[w] ?? SPECIAL_WEIGHTS[1]), SPECIAL_WEIGHTS[3]];
  return BIAS + tokenWeights.reduce((a, b) => a + b, 0) / tokenWeights.length;
}

const DOCS = [
  'Photosynthesis is the theorem',
  'buy now click cheap buy now',
  'The history of the equation is the history of the theorem and photosynthesis',
  'click',
  'unknown words only here',
];

describe('OnnxTextClassifierScorer', () => {
  let dir: string;
  let modelPath: string;
  let tokenizerPath: string;
  const open: OnnxTextClassifierScorer[] = [];
  const openScorer = async (options: Partial<Parameters<typeof OnnxTextClassifierScorer.open>[0]> = {}) => {
    const s = await OnnxTextClassifierScorer.open({ modelPath, tokenizerPath, ...options });
    open.push(s);
    return s;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-scorer-'));
    modelPath = writeTemp(dir, 'model.onnx', buildBagOfTokensClassifier({ weights, bias: [BIAS] }));
    tokenizerPath = writeTemp(dir, 'tokenizer.json', tinyTokenizerJson(WORDS));
  });
  after(async () => {
    for (const s of open) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const backend of ['worker', 'in-process'] as const) {
    it(`scores equal the float64 hand computation (${backend} backend)`, async () => {
      const scorer = await openScorer({ backend });
      const scores = await scorer.score(DOCS);
      assert.equal(scores.length, DOCS.length);
      DOCS.forEach((d, i) => assert.ok(Math.abs(scores[i] - expectedScore(d)) < 1e-5, `${d}: ${scores[i]} vs ${expectedScore(d)}`));
      assert.equal(scorer.padId, 0, 'pad id read from tokenizer.json padding.pad_id');
    });
  }

  it('truncates to maxLength tokens (special tokens included): words past the limit do not count', async () => {
    const scorer = await openScorer({ maxLength: 8 });
    const head = 'photosynthesis theorem equation history photosynthesis theorem'; // 6 words + [CLS] [SEP] = 8
    const long = `${head} ${'click '.repeat(200)}`;
    const [scoreHead, scoreLong] = await scorer.score([head, long]);
    assert.ok(Math.abs(scoreLong - scoreHead) < 1e-6, `${scoreLong} vs ${scoreHead}`);
    assert.ok(Math.abs(scoreLong - expectedScore(long, 8)) < 1e-5);
    // Without truncation the 200 "click"s would pull the mean far down.
    assert.ok(expectedScore(long, 512) < 0);
  });

  it('padding does not change a score: a short document scores the same alone and beside a long one', async () => {
    const scorer = await openScorer();
    const [alone] = await scorer.score(['click']);
    const [, beside] = await scorer.score(['theorem '.repeat(300), 'click']);
    assert.ok(Math.abs(alone - beside) < 1e-6, `${alone} vs ${beside} (the [PAD] weight 100 would show if masking failed)`);
    assert.ok(Math.abs(alone - expectedScore('click')) < 1e-5);
  });

  it('batching gives the same scores as one document at a time, in input order', async () => {
    const batched = await (await openScorer({ batchSize: 2 })).score(DOCS);
    const single = await openScorer({ batchSize: 1 });
    for (let i = 0; i < DOCS.length; i++) {
      const [one] = await single.score([DOCS[i]]);
      assert.ok(Math.abs(batched[i] - one) < 1e-6, `${DOCS[i]}: ${batched[i]} vs ${one}`);
    }
    assert.deepEqual(await single.score([]), []);
  });

  it('threshold rejections carry the scorer name, rule score_below_threshold, the score and the threshold', async () => {
    const scorer = await openScorer({ threshold: 1.5, name: 'edu_classifier' });
    const scores = await scorer.score(DOCS);
    const verdicts = scores.map((s) => scoreRejection(scorer, s));
    assert.deepEqual(
      verdicts.map((v) => v === null),
      DOCS.map((d) => expectedScore(d) >= 1.5),
    );
    const rejected = verdicts[1]!;
    assert.equal(rejected.filter, 'edu_classifier');
    assert.equal(rejected.rule, 'score_below_threshold');
    assert.equal(rejected.value, scores[1]);
    assert.equal(rejected.threshold, 1.5);
  });

  it('int_score mode gives FineWeb-Edu integer scores (clamped to 0..5, rounded half to even)', async () => {
    const scorer = await openScorer({ mode: 'int_score', threshold: 3 });
    const scores = await scorer.score(DOCS);
    const fineWebEdu = (s: number) => Math.max(0, Math.min(5, Math.abs(s - Math.round(s)) === 0.5 ? 2 * Math.round(s / 2) : Math.round(s)));
    DOCS.forEach((d, i) => assert.equal(scores[i], fineWebEdu(expectedScore(d))));
  });

  it('classification heads: expected class index and the probability of one class', async () => {
    // Three classes; word weights push toward class 2 ("educational") or class 0 ("junk").
    const classWeights = [...SPECIAL_WEIGHTS.map((w, i) => (i === 0 ? [50, -50, 50] : [0, 0, 0])), ...WORDS.map((w) => [-WORD_WEIGHT[w], 0, WORD_WEIGHT[w]])];
    const bias = [0.1, 0.2, -0.1];
    const clsPath = writeTemp(dir, 'classes.onnx', buildBagOfTokensClassifier({ weights: classWeights, bias }));
    const expected = openScorer({ modelPath: clsPath, mode: 'expected_class', threshold: 1 });
    const probability = openScorer({ modelPath: clsPath, mode: 'class_probability', classIndex: 2, threshold: 0.5 });
    const [e, p] = [await (await expected).score(DOCS), await (await probability).score(DOCS)];
    DOCS.forEach((d, i) => {
      const words = d.toLowerCase().split(/\s+/);
      const tokens = [[0, 0, 0], ...words.map((w) => (w in WORD_WEIGHT ? [-WORD_WEIGHT[w], 0, WORD_WEIGHT[w]] : [0, 0, 0])), [0, 0, 0]];
      const logits = bias.map((b, c) => b + tokens.reduce((s, t) => s + t[c], 0) / tokens.length);
      const z = logits.map((l) => Math.exp(l - Math.max(...logits)));
      const probs = z.map((v) => v / z.reduce((a, b) => a + b, 0));
      assert.ok(Math.abs(e[i] - (probs[1] + 2 * probs[2])) < 1e-5);
      assert.ok(Math.abs(p[i] - probs[2]) < 1e-5);
    });
  });

  it('adapts to the model inputs: token_type_ids is fed when the model takes it, int32 inputs too', async () => {
    const withTypes = writeTemp(dir, 'with-types.onnx', buildBagOfTokensClassifier({ weights, bias: [BIAS], typeWeights: [0.75, -9] }));
    const scorer = await openScorer({ modelPath: withTypes });
    assert.deepEqual(scorer.modelInputs.sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
    const scores = await scorer.score(DOCS);
    DOCS.forEach((d, i) => assert.ok(Math.abs(scores[i] - (expectedScore(d) + 0.75)) < 1e-5)); // single sequences: type id 0
    const int32Path = writeTemp(dir, 'int32.onnx', buildBagOfTokensClassifier({ weights, bias: [BIAS], idType: 'int32', outputName: 'scores' }));
    const int32 = await openScorer({ modelPath: int32Path, backend: 'in-process' });
    const int32Scores = await int32.score(DOCS);
    DOCS.forEach((d, i) => assert.ok(Math.abs(int32Scores[i] - expectedScore(d)) < 1e-5)); // the only output is used whatever its name
  });

  it('works with the LLaMA-2 tokenizer.json (BOS added, no pad token: pad id 0), truncating to maxLength', async () => {
    const llamaPath = defaultTokenizerPath();
    const tokenizer = Tokenizer.fromString(fs.readFileSync(llamaPath, 'utf8'));
    const vocab = tokenizer.getVocabSize(true);
    const tokenWeight = (id: number) => ((id * 7919) % 1000) / 1000 - 0.5; // deterministic pseudo-random weights
    const llamaModel = writeTemp(dir, 'llama-vocab.onnx', buildBagOfTokensClassifier({ weights: Array.from({ length: vocab }, (_, id) => [tokenWeight(id)]), bias: [0] }));
    const scorer = await openScorer({ modelPath: llamaModel, tokenizerPath: llamaPath, maxLength: 16 });
    const text = 'The mitochondrion is the powerhouse of the cell, and this sentence goes on for a while longer.';
    const ids = (await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds().slice(0, 16);
    assert.equal(ids[0], 1, 'BOS first');
    const [score, short] = await scorer.score([text, 'Cell']);
    assert.ok(Math.abs(score - ids.reduce((s, id) => s + tokenWeight(id), 0) / ids.length) < 1e-5);
    const shortIds = (await tokenizer.encode('Cell', null, { addSpecialTokens: true })).getIds();
    assert.ok(Math.abs(short - shortIds.reduce((s, id) => s + tokenWeight(id), 0) / shortIds.length) < 1e-5);
    assert.equal(scorer.padId, 0);
  });

  it('explains missing files and models whose inputs or outputs do not fit', async () => {
    await assert.rejects(OnnxTextClassifierScorer.open({ modelPath: path.join(dir, 'nope.onnx'), tokenizerPath }), /model file not found: .*nope\.onnx/);
    await assert.rejects(OnnxTextClassifierScorer.open({ modelPath, tokenizerPath: path.join(dir, 'nope.json') }), /tokenizer file not found/);
    const garbage = writeTemp(dir, 'garbage.onnx', 'not a model');
    await assert.rejects(OnnxTextClassifierScorer.open({ modelPath: garbage, tokenizerPath }), /could not load the model/);

    const { GraphBuilder, add } = await import('@cptflow/onnx');
    const g = new GraphBuilder();
    const x = g.input('pixel_values', 'float32', ['batch', 4]);
    g.output(add(x, 1), 'logits');
    const imageModel = writeTemp(dir, 'image.onnx', g.toBytes());
    await assert.rejects(OnnxTextClassifierScorer.open({ modelPath: imageModel, tokenizerPath }), /takes inputs \[pixel_values\].*input_ids/);

    const classes = writeTemp(dir, 'two-classes.onnx', buildBagOfTokensClassifier({ weights: weights.map(([w]) => [w, -w]), bias: [0, 0] }));
    await assert.rejects(OnnxTextClassifierScorer.open({ modelPath: classes, tokenizerPath, mode: 'regression' }), /needs a regression head.*2 outputs/);
    await assert.rejects(OnnxTextClassifierScorer.open({ modelPath: classes, tokenizerPath, mode: 'class_probability', classIndex: 2 }), /classIndex in 0\.\.1/);
    await assert.rejects(OnnxTextClassifierScorer.open({ modelPath, tokenizerPath, mode: 'expected_class' }), /needs a classification head/);
  });
});
