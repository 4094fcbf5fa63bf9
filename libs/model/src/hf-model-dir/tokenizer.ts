import { Tokenizer as RustTokenizer } from 'tokenizers';

/**
 * What request building needs from a tokenizer. `encode(text, true)` must behave like a Hugging Face
 * tokenizer called with its default add_special_tokens=True (LLaMA/Mistral prepend BOS, GPT-2 adds
 * nothing); `encode(text, false)` without special tokens.
 */
export interface Tokenizer {
  encode(text: string, addSpecialTokens: boolean): number[] | Promise<number[]>;
  /** The BOS token's text (e.g. "<s>"); lets us skip special tokens for strings that already start with it. */
  readonly bosToken?: string;
  /** The id the harness conditions an empty context / rolling window on (BOS, else EOS). */
  readonly prefixTokenId?: number;
}

/** Tokenizer backed by the npm `tokenizers` package (Hugging Face's Rust tokenizers) and a tokenizer.json. */
export class HfTokenizer implements Tokenizer {
  private constructor(
    private readonly inner: RustTokenizer,
    readonly bosToken: string | undefined,
    readonly prefixTokenId: number | undefined,
  ) {}

  /**
   * @param tokenizerJson path of tokenizer.json
   * @param special BOS/EOS token strings (from tokenizer_config.json); when absent "<s>"/"</s>" are
   *        looked up in the vocabulary.
   */
  static fromFile(tokenizerJson: string, special: { bosToken?: string; eosToken?: string } = {}): HfTokenizer {
    const inner = RustTokenizer.fromFile(tokenizerJson);
    const bosToken = special.bosToken ?? (inner.tokenToId('<s>') !== null ? '<s>' : undefined);
    const eosToken = special.eosToken ?? (inner.tokenToId('</s>') !== null ? '</s>' : undefined);
    const bosId = bosToken !== undefined ? inner.tokenToId(bosToken) : null;
    const eosId = eosToken !== undefined ? inner.tokenToId(eosToken) : null;
    return new HfTokenizer(inner, bosToken, bosId ?? eosId ?? undefined);
  }

  async encode(text: string, addSpecialTokens: boolean): Promise<number[]> {
    const encoding = await this.inner.encode(text, null, { addSpecialTokens });
    return encoding.getIds();
  }
}
