// Parity with Hugging Face transformers on a real BertForSequenceClassification export (tiny, random
// weights; fixtures/make_tiny_bert_classifier.py made the model, its WordPiece tokenizer.json and the
// scores PyTorch gives with FineWeb-Edu's usage: padding="longest", truncation=True, logits.squeeze(-1)).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { Tokenizer } from 'tokenizers';
import { OnnxTextClassifierScorer } from './onnx-text-classifier-scorer';

const FIXTURE = join(resolve(__dirname, '../../../../..'), 'libs/data/fixtures/model-scorer/tiny-bert');
const expected = JSON.parse(fs.readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as {
  max_length: number;
  docs: string[];
  input_ids: number[][];
  scores_batched: number[];
  scores_one_by_one: number[];
  int_scores: number[];
};
const modelPath = join(FIXTURE, 'model.onnx');
const tokenizerPath = join(FIXTURE, 'tokenizer.json');

describe('tiny BERT classifier exported from transformers', () => {
  const open: OnnxTextClassifierScorer[] = [];
  after(async () => {
    for (const s of open) await s.close();
  });

  it('tokenizes, truncates and pads as transformers did: the same ids', async () => {
    const tokenizer = Tokenizer.fromString(fs.readFileSync(tokenizerPath, 'utf8'));
    tokenizer.setTruncation(expected.max_length);
    const ids = (await tokenizer.encodeBatch(expected.docs, { addSpecialTokens: true })).map((e) => e.getIds());
    assert.deepEqual(ids, expected.input_ids);
    assert.ok(expected.input_ids.some((row) => row.length === expected.max_length), 'one document is truncated');
  });

  it('scores match PyTorch (float32) with token_type_ids fed, batched or one at a time', async () => {
    const scorer = await OnnxTextClassifierScorer.open({ modelPath, tokenizerPath, maxLength: expected.max_length, batchSize: 4 });
    open.push(scorer);
    assert.deepEqual(scorer.modelInputs.sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
    assert.equal(scorer.padId, 0);
    const scores = await scorer.score(expected.docs);
    scores.forEach((s, i) => {
      assert.ok(Math.abs(s - expected.scores_batched[i]) < 1e-4, `doc ${i}: ${s} vs torch ${expected.scores_batched[i]}`);
      assert.ok(Math.abs(s - expected.scores_one_by_one[i]) < 1e-4);
    });
  });

  it("int_score mode reproduces FineWeb-Edu's int_score of the torch scores", async () => {
    const scorer = await OnnxTextClassifierScorer.open({ modelPath, tokenizerPath, maxLength: expected.max_length, mode: 'int_score', threshold: 3, backend: 'in-process' });
    open.push(scorer);
    assert.deepEqual(await scorer.score(expected.docs), expected.int_scores);
  });
});
