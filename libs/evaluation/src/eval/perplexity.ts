import { readSplit } from './dataset-reader';
import { DatasetSpec } from './task-definition';
import { EncodeOptions, harnessEncode } from './requests';
import { LogLikelihoodModel, ScoreOptions, ScoreRequest, scoreRequests } from './scorer';
import { Tokenizer } from '@cptflow/model';

/**
 * lm_eval/utils.py get_rolling_token_windows + make_disjoint_window: the first window conditions on the
 * prefix token and predicts up to maxSeqLen tokens; each later window predicts the next
 * maxSeqLen - contextLen + 1 tokens given the tokens right before them, so every token is predicted
 * exactly once with as much left context as fits.
 */
export function rollingWindows(tokens: readonly number[], prefixToken: number, maxSeqLen: number, contextLen = 1): ScoreRequest[] {
  if (contextLen < 1 || contextLen > maxSeqLen) throw new RangeError(`contextLen must be in 1..${maxSeqLen}`);
  const windows: ScoreRequest[] = [];
  if (tokens.length === 0) return windows;
  const predLen = maxSeqLen - contextLen + 1;
  const firstLen = Math.min(maxSeqLen, tokens.length);
  windows.push(disjoint([prefixToken, ...tokens.slice(0, firstLen - 1)], tokens.slice(0, firstLen)));
  let predicted = firstLen;
  while (predicted < tokens.length) {
    const windowPredLen = Math.min(tokens.length - predicted, predLen);
    const windowEnd = predicted + windowPredLen;
    windows.push(disjoint(tokens.slice(windowEnd - maxSeqLen - 1, windowEnd - 1), tokens.slice(windowEnd - windowPredLen, windowEnd)));
    predicted += windowPredLen;
  }
  return windows;
}

function disjoint(input: number[], pred: number[]): ScoreRequest {
  return { contextIds: input.slice(0, input.length - (pred.length - 1)), continuationIds: pred };
}

export interface PerplexityDocResult {
  logprob: number;
  tokens: number;
  bytes: number;
  words: number;
}

export interface PerplexityResult {
  documents: number;
  tokens: number;
  /** exp(-Σ logprob / Σ predicted tokens). */
  tokenPerplexity: number;
  /** exp(-Σ logprob / Σ words), words as the harness's wikitext task counts them (re.split(r"\s+")). */
  wordPerplexity: number;
  /** exp(-Σ logprob / Σ UTF-8 bytes). */
  bytePerplexity: number;
  /** -Σ logprob / Σ bytes / ln 2. */
  bitsPerByte: number;
  perDocument: PerplexityDocResult[];
}

export interface PerplexityOptions extends EncodeOptions, ScoreOptions {
  /** Window length; defaults to the model's maxLength. */
  maxLength?: number;
}

/**
 * Rolling log-likelihood of whole documents (HFLM.loglikelihood_rolling, context_len 1). Documents are
 * encoded like the harness's tok_encode: with the current harness default a LLaMA tokenizer adds BOS,
 * so BOS is one of the predicted tokens (conditioned on the BOS prefix token); pass
 * `addBosToken: false` to measure the text tokens only.
 */
export async function rollingPerplexity(model: LogLikelihoodModel, tokenizer: Tokenizer, texts: readonly string[], options: PerplexityOptions = {}): Promise<PerplexityResult> {
  const maxLength = options.maxLength ?? model.maxLength;
  if (maxLength === undefined) throw new Error('rollingPerplexity needs a window length (options.maxLength or model.maxLength)');
  const prefix = tokenizer.prefixTokenId;
  if (prefix === undefined) throw new Error('rollingPerplexity needs a tokenizer with a BOS or EOS prefix token');
  const windowsPerDoc: ScoreRequest[][] = [];
  for (const text of texts) windowsPerDoc.push(rollingWindows(await harnessEncode(tokenizer, text, options), prefix, maxLength));
  const results = await scoreRequests(model, windowsPerDoc.flat(), options);
  let at = 0;
  const perDocument = texts.map((text, i) => {
    let logprob = 0;
    let tokens = 0;
    for (const w of windowsPerDoc[i]) {
      logprob += results[at++].logprob;
      tokens += w.continuationIds.length;
    }
    return { logprob, tokens, bytes: Buffer.byteLength(text, 'utf8'), words: text.split(/\s+/).length };
  });
  const sum = (f: (d: PerplexityDocResult) => number) => perDocument.reduce((a, d) => a + f(d), 0);
  const ll = sum((d) => d.logprob);
  const tokens = sum((d) => d.tokens);
  const bytes = sum((d) => d.bytes);
  return {
    documents: texts.length,
    tokens,
    tokenPerplexity: Math.exp(-ll / tokens),
    wordPerplexity: Math.exp(-ll / sum((d) => d.words)),
    bytePerplexity: Math.exp(-ll / bytes),
    bitsPerByte: -ll / bytes / Math.log(2),
    perDocument,
  };
}

/**
 * Reads a held-out text set (a `text` column by default) from the same local layouts as task data,
 * e.g. `readTextSet(root, { path: 'held_out' }, 'general')` reads held_out/general.jsonl.
 */
export async function readTextSet(dataRoot: string, dataset: DatasetSpec, split: string, column = 'text', limit?: number): Promise<string[]> {
  const rows = await readSplit(dataRoot, dataset, split, [column]);
  const texts = rows.slice(0, limit ?? rows.length).map((r, i) => {
    const value = r[column];
    if (typeof value !== 'string') throw new Error(`${dataset.path} ${split} row ${i}: column "${column}" is not a string`);
    return value;
  });
  return texts;
}
