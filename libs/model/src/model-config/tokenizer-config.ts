// The special tokens a Hugging Face model directory names in tokenizer_config.json (what
// AutoTokenizer resolves bos/eos/pad from). The one reader of that file: the packer takes EOS from
// it, the evaluator BOS/EOS, the quality scorer's classifier its pad token.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelConfigError } from './llama-config';

export interface TokenizerSpecialTokens {
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
}

/** A token entry is either the token's text or an AddedToken object `{ "content": text, ... }`. */
function tokenText(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (entry !== null && typeof entry === 'object' && typeof (entry as { content?: unknown }).content === 'string') {
    return (entry as { content: string }).content;
  }
  return undefined;
}

/** The special tokens of `dir/tokenizer_config.json`; none when the directory has no such file. */
export function readTokenizerConfig(dir: string): TokenizerSpecialTokens {
  const configPath = join(dir, 'tokenizer_config.json');
  if (!existsSync(configPath)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (err) {
    throw new ModelConfigError(`${configPath}: not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ModelConfigError(`${configPath}: must be a JSON object`);
  const config = raw as Record<string, unknown>;
  return { bosToken: tokenText(config.bos_token), eosToken: tokenText(config.eos_token), padToken: tokenText(config.pad_token) };
}
