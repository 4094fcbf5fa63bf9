// A DocumentScorer (libs/data/src/quality) backed by a user-supplied Hugging Face text classifier exported to
// ONNX, such as HuggingFaceFW/fineweb-edu-classifier: tokenize, pad per batch, run, read the logits.
import type { DocumentScorer } from '../quality/scorer';
import { ClassifierSession, type ScorerBackend } from './classifier-session';
import { ClassifierTokenizer, DEFAULT_MAX_LENGTH, type TokenizedText } from './classifier-tokenizer';
import { checkModeFitsHead, scoreOfLogits, type ScoreMode } from './logit-scores';

/**
 * FineWeb-Edu kept documents whose int_score (the regression output clamped to 0..5 and rounded) is
 * at least 3, i.e. a raw score of at least 2.5 (except exactly 2.5, which Python's round() sends to 2):
 * dataset card of HuggingFaceFW/fineweb-edu.
 */
export const FINEWEB_EDU_THRESHOLD = 2.5;
export const DEFAULT_SCORER_BATCH_SIZE = 32;

export interface OnnxTextClassifierOptions {
  /** model.onnx of the exported classifier (inputs input_ids, attention_mask[, token_type_ids]; output logits). */
  modelPath: string;
  /** The classifier's tokenizer.json (not the LLM's). */
  tokenizerPath: string;
  /** Documents scoring below this are rejected. Default FINEWEB_EDU_THRESHOLD (regression output). */
  threshold?: number;
  /** Documents per ONNX Runtime run. */
  batchSize?: number;
  /** Tokens per document after truncation, special tokens included. */
  maxLength?: number;
  /** How logits become a score; default `regression` (the logit itself). */
  mode?: ScoreMode;
  classIndex?: number;
  /** Filter name in rejections and counts. */
  name?: string;
  backend?: ScorerBackend;
  intraOpThreads?: number;
}

export class OnnxTextClassifierScorer implements DocumentScorer {
  readonly name: string;
  readonly threshold: number;
  readonly batchSize: number;
  readonly mode: ScoreMode;
  private readonly classIndex?: number;

  private constructor(
    private readonly session: ClassifierSession,
    private readonly tokenizer: ClassifierTokenizer,
    options: OnnxTextClassifierOptions,
  ) {
    this.name = options.name ?? 'text_classifier';
    this.threshold = options.threshold ?? FINEWEB_EDU_THRESHOLD;
    this.batchSize = options.batchSize ?? DEFAULT_SCORER_BATCH_SIZE;
    this.mode = options.mode ?? 'regression';
    this.classIndex = options.classIndex;
  }

  static async open(options: OnnxTextClassifierOptions): Promise<OnnxTextClassifierScorer> {
    const batchSize = options.batchSize ?? DEFAULT_SCORER_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    const tokenizer = ClassifierTokenizer.load(options.tokenizerPath, options.maxLength ?? DEFAULT_MAX_LENGTH);
    const session = await ClassifierSession.open(options.modelPath, { backend: options.backend, intraOpThreads: options.intraOpThreads });
    const scorer = new OnnxTextClassifierScorer(session, tokenizer, options);
    try {
      // One probe run: a head that does not fit the score mode fails at start, not on the first batch.
      const probe = await session.run(tokenizer.pad(await tokenizer.tokenize(['probe'])));
      checkModeFitsHead({ mode: scorer.mode, classIndex: scorer.classIndex }, probe.classes);
    } catch (error) {
      await session.close();
      throw new Error(`${options.modelPath}: ${(error as Error).message}`);
    }
    return scorer;
  }

  get maxLength(): number {
    return this.tokenizer.maxLength;
  }

  get padId(): number {
    return this.tokenizer.padId;
  }

  /** Input names the model takes (read from the session). */
  get modelInputs(): string[] {
    return [...this.session.inputs.keys()];
  }

  /**
   * One score per text, in order. Texts are grouped by token length before batching so that a batch
   * pads little; masking makes the score independent of the batch a text lands in (up to float32
   * rounding in the encoder's kernels).
   */
  async score(texts: readonly string[]): Promise<number[]> {
    const tokenized = await this.tokenizer.tokenize(texts);
    const order = tokenized.map((_, i) => i).sort((a, b) => tokenized[a].ids.length - tokenized[b].ids.length || a - b);
    const scores = new Array<number>(texts.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const rows = order.slice(start, start + this.batchSize);
      const logits = await this.session.run(this.tokenizer.pad(rows.map((i): TokenizedText => tokenized[i])));
      checkModeFitsHead({ mode: this.mode, classIndex: this.classIndex }, logits.classes);
      rows.forEach((docIndex, r) => {
        const row = logits.data.subarray(r * logits.classes, (r + 1) * logits.classes);
        scores[docIndex] = scoreOfLogits(row, { mode: this.mode, classIndex: this.classIndex });
      });
    }
    return scores;
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
