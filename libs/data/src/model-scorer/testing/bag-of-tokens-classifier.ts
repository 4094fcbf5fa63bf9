// Test fixtures built in the test, nothing downloaded: a tiny ONNX "text classifier" whose logits are
// easy to compute by hand, and a tiny word-level tokenizer.json in the BERT layout ([CLS] text [SEP]).
//
// The model: logits[b, c] = bias[c] + sum_s(mask[b,s] * W[ids[b,s], c]) / sum_s(mask[b,s])
// (+ typeWeight[type_ids] averaged the same way when token_type_ids is an input): an embedding
// lookup, masked mean pooling and a bias, the same input/output contract as a BERT classifier export.
// Padding positions carry mask 0, so a pad token with a large weight exposes any masking bug.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GraphBuilder, add, cast, div, gather, mul, reduceSum, unsqueeze } from '@cptflow/onnx';

export interface BagOfTokensModel {
  /** Weight of each token id per class: weights[id][class]. */
  weights: number[][];
  bias: number[];
  /** Adds a token_type_ids input (weights per type id, averaged like the tokens). */
  typeWeights?: number[];
  /** Output name; optimum calls it "logits". */
  outputName?: string;
  /** Integer type of the inputs. */
  idType?: 'int64' | 'int32';
}

export function buildBagOfTokensClassifier(spec: BagOfTokensModel): Uint8Array {
  const vocab = spec.weights.length;
  const classes = spec.bias.length;
  const idType = spec.idType ?? 'int64';
  const g = new GraphBuilder('bag_of_tokens_classifier');
  const ids = g.input('input_ids', idType, ['batch', 'seq']);
  const mask = g.input('attention_mask', idType, ['batch', 'seq']);
  const table = g.constant('float32', [vocab, classes], spec.weights.flat(), 'token_weights');
  const maskF = unsqueeze(cast(mask, 'float32'), [2]); // [b, s, 1]
  let perToken = gather(table, ids); // [b, s, c]
  if (spec.typeWeights) {
    const typeIds = g.input('token_type_ids', idType, ['batch', 'seq']);
    const typeTable = g.constant('float32', [spec.typeWeights.length, 1], spec.typeWeights, 'type_weights');
    perToken = add(perToken, gather(typeTable, typeIds)); // [b, s, 1] broadcasts over classes
  }
  const pooled = div(reduceSum(mul(perToken, maskF), [1]), reduceSum(maskF, [1])); // [b, c] / [b, 1]
  g.output(add(pooled, g.constant('float32', [classes], spec.bias, 'bias')), spec.outputName ?? 'logits');
  return g.toBytes();
}

/** Word-level vocabulary with BERT's special tokens first: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3, words from 4. */
export const TINY_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

/** A tokenizer.json: lowercase, split on whitespace, word-level lookup, `[CLS] $A [SEP]`, padding with [PAD]. */
export function tinyTokenizerJson(words: readonly string[], options: { padding?: boolean } = {}): string {
  const vocab: Record<string, number> = {};
  [...TINY_SPECIAL_TOKENS, ...words].forEach((w, i) => (vocab[w] = i));
  const special = (content: string, id: number) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: options.padding === false ? null : { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' },
    added_tokens: TINY_SPECIAL_TOKENS.map((t, i) => special(t, i)),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  });
}

/** Writes bytes/text under a fresh temp folder and returns the file's path. */
export function writeTemp(dir: string, name: string, content: Uint8Array | string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
