// Turns texts into the int64 [batch, seq] inputs a Hugging Face sequence classifier expects:
// tokenized with the model's own tokenizer.json (special tokens added by its post-processor, as
// `tokenizer(text, truncation=True)` does in Python), truncated to maxLength tokens including those
// special tokens, and right-padded to the longest document of the batch with attention_mask 0.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from 'tokenizers';
import { readTokenizerConfig } from '@cptflow/model';

/** Tokens a BERT-style encoder sees at most (FineWeb-Edu's classifier: max_position_embeddings 512). */
export const DEFAULT_MAX_LENGTH = 512;

/** Pad tokens tried, in order, when tokenizer.json has no padding section. */
const PAD_CANDIDATES = ['[PAD]', '<pad>', '<|padding|>', '<|pad|>'];

export interface TokenizedText {
  ids: number[];
  typeIds: number[];
}

export interface PaddedBatch {
  batch: number;
  seq: number;
  inputIds: number[];
  attentionMask: number[];
  tokenTypeIds: number[];
}

/**
 * The pad id: tokenizer.json's `padding.pad_id` when it has one, else the id of a conventional pad
 * token, else tokenizer_config.json's pad_token, else 0. Its value only matters to a model that
 * ignores attention_mask; masked positions never reach the pooled output of a correct export.
 */
function resolvePadId(json: { padding?: { pad_id?: number } | null }, tokenizer: Tokenizer, tokenizerPath: string): number {
  if (typeof json.padding?.pad_id === 'number') return json.padding.pad_id;
  const candidates = [...PAD_CANDIDATES];
  const { padToken } = readTokenizerConfig(path.dirname(tokenizerPath));
  if (padToken !== undefined) candidates.unshift(padToken);
  for (const token of candidates) {
    const id = tokenizer.tokenToId(token);
    if (id !== null && id !== undefined) return id;
  }
  return 0;
}

export class ClassifierTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly maxLength: number,
    readonly padId: number,
  ) {}

  static load(tokenizerPath: string, maxLength = DEFAULT_MAX_LENGTH): ClassifierTokenizer {
    if (!fs.existsSync(tokenizerPath)) throw new Error(`tokenizer file not found: ${tokenizerPath}`);
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new Error(`maxLength must be an integer >= 2, got ${maxLength}`);
    const text = fs.readFileSync(tokenizerPath, 'utf8');
    let json: { padding?: { pad_id?: number } | null };
    let tokenizer: Tokenizer;
    try {
      json = JSON.parse(text);
      tokenizer = Tokenizer.fromString(text);
    } catch (error) {
      throw new Error(`${tokenizerPath} is not a Hugging Face tokenizer.json: ${(error as Error).message}`);
    }
    // The file's own truncation/padding settings (if any) give way to ours: we truncate to the model's
    // length and pad per batch ourselves.
    tokenizer.setTruncation(maxLength);
    tokenizer.disablePadding();
    return new ClassifierTokenizer(tokenizer, maxLength, resolvePadId(json, tokenizer, tokenizerPath));
  }

  /** Token ids (and token type ids) of each text, special tokens included, truncated to maxLength. */
  async tokenize(texts: readonly string[]): Promise<TokenizedText[]> {
    if (texts.length === 0) return [];
    const encodings = await this.tokenizer.encodeBatch([...texts], { addSpecialTokens: true });
    return encodings.map((e) => ({ ids: e.getIds(), typeIds: e.getTypeIds() }));
  }

  /** Right-pads texts to the longest one: pad id, attention_mask 0 and token type 0 at padded places. */
  pad(texts: readonly TokenizedText[]): PaddedBatch {
    const batch = texts.length;
    const seq = Math.max(1, ...texts.map((t) => t.ids.length));
    const inputIds = new Array<number>(batch * seq).fill(this.padId);
    const attentionMask = new Array<number>(batch * seq).fill(0);
    const tokenTypeIds = new Array<number>(batch * seq).fill(0);
    texts.forEach((t, row) => {
      for (let j = 0; j < t.ids.length; j++) {
        inputIds[row * seq + j] = t.ids[j];
        attentionMask[row * seq + j] = 1;
        tokenTypeIds[row * seq + j] = t.typeIds[j] ?? 0;
      }
    });
    return { batch, seq, inputIds, attentionMask, tokenTypeIds };
  }
}
