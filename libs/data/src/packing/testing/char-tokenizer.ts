// A small LLaMA-style tokenizer.json for tests of "the model's own tokenizer": one id per character
// (printable ASCII, tab and newline), <unk> = 0, <s> = 1 put before every document by the
// post-processor, </s> = 2. Its ids are nothing like LLaMA-2's, and 100 of them fit the tiny-llama
// fixture's 256-row embedding (libs/model/fixtures/llama/tiny-llama).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CHAR_TOKENIZER_SPECIALS = ['<unk>', '<s>', '</s>'] as const;

export function charTokenizerJson(): string {
  const chars = ['\t', '\n', ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))];
  const vocab: Record<string, number> = {};
  [...CHAR_TOKENIZER_SPECIALS, ...chars].forEach((token, id) => (vocab[token] = id));
  const special = (content: string, id: number) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: CHAR_TOKENIZER_SPECIALS.map((t, i) => special(t, i)),
    normalizer: null,
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  });
}

/** The tiny-llama fixture's config.json and weights in `dir`, with the character tokenizer (or none). */
export function writeCharTokenizerModel(dir: string, options: { tokenizer?: boolean; config?: Record<string, unknown> } = {}): string {
  // This file runs as dist/libs/data/src/packing/testing/char-tokenizer.js; the fixture is in the source tree.
  const fixture = path.resolve(__dirname, '../../../../../../libs/model/fixtures/llama/tiny-llama');
  fs.mkdirSync(dir, { recursive: true });
  const config = { ...JSON.parse(fs.readFileSync(path.join(fixture, 'config.json'), 'utf8')), ...options.config };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.copyFileSync(path.join(fixture, 'model.safetensors'), path.join(dir, 'model.safetensors'));
  if (options.tokenizer !== false) {
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), charTokenizerJson());
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' }));
  }
  return dir;
}
