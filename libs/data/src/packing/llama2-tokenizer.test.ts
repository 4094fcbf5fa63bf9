// The generated default tokenizer is Meta's LLaMA-2 tokenizer: known ids, the Hugging Face LLaMA
// layout, and exact agreement with llama-tokenizer-js's own SentencePiece-BPE encoder (an independent
// implementation over the same vocabulary and merges) on a few hundred varied strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import llamaTokenizerJs from 'llama-tokenizer-js';
import { Tokenizer } from 'tokenizers';
import { DocumentTokenizer } from './document-tokenizer';
import { LLAMA2_TOKENIZER_SHA256, lenmlTokenizerPath, llama2TokenizerDir, llama2TokenizerPath } from './llama2-tokenizer';

const file = llama2TokenizerPath();
const hf = Tokenizer.fromFile(file);
const ids = async (text: string, addSpecialTokens = true) => (await hf.encode(text, null, { addSpecialTokens })).getIds();
const fixture: { texts: string[] } = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../../../libs/data/fixtures/packing/tokenizer_reference.json'), 'utf8'),
);

test('the generated file has the pinned sha256 (the same tokenizerId on every machine)', () => {
  const digest = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  assert.equal(digest, LLAMA2_TOKENIZER_SHA256);
  assert.equal(DocumentTokenizer.load().tokenizerId, `sha256:${LLAMA2_TOKENIZER_SHA256}`);
});

test("known LLaMA-2 ids (not Mistral's)", async () => {
  assert.deepEqual(await ids('Hello world'), [1, 15043, 3186]);
  assert.equal(hf.tokenToId('▁Hello'), 15043);
  assert.equal(hf.tokenToId('▁the'), 278);
  assert.equal(hf.tokenToId('▁'), 29871);
  assert.deepEqual([hf.tokenToId('<unk>'), hf.tokenToId('<s>'), hf.tokenToId('</s>')], [0, 1, 2]);
  assert.equal(hf.getVocabSize(true), 32000);
  // SentencePiece's dummy prefix is added even before a leading space: " the" = "▁▁the".
  assert.deepEqual(await ids(' the'), [1, 29871, 278]);
  // Cases from llama-tokenizer-js's test suite (checked there against Meta's tokenizer).
  assert.deepEqual(await ids('           grabbed'), [1, 9651, 2646, 1327, 287]);
  assert.deepEqual(await ids('\ttabs\t\t\t\tout here'), [1, 29871, 12, 21175, 12, 12, 12, 12, 449, 1244]);
  assert.deepEqual(await ids('ax\n####\nboo'), [1, 4853, 13, 4136, 13, 833, 29877]);
  assert.deepEqual(await ids('镇'), [1, 29871, 30411]);
  // Published encodings of the hub's LLaMA tokenizer: transformers 5.24 LlamaTokenizer docstring
  // (hf-internal-testing/llama-tokenizer) and Bumblebee's LlamaTokenizer integration test (same files).
  assert.deepEqual(await ids('Hello this is a test'), [1, 15043, 445, 338, 263, 1243]);
  assert.deepEqual(await ids('Hello everyobdy, how are you?'), [1, 15043, 1432, 711, 4518, 29892, 920, 526, 366, 29973]);
});

test('characters outside the vocabulary fall back to their UTF-8 bytes (<0x00> = 3)', async () => {
  const encoding = await hf.encode('🦙Ꙋ', null, { addSpecialTokens: true });
  assert.deepEqual(encoding.getTokens(), ['<s>', '▁', '<0xF0>', '<0x9F>', '<0xA6>', '<0x99>', '<0xEA>', '<0x99>', '<0x8A>']);
  assert.deepEqual(encoding.getIds(), [1, 29871, 3 + 0xf0, 3 + 0x9f, 3 + 0xa6, 3 + 0x99, 3 + 0xea, 3 + 0x99, 3 + 0x8a]);
  assert.equal(await hf.decode(encoding.getIds(), true), '🦙Ꙋ');
  assert.deepEqual(await ids('\n', false), [29871, 13]);
});

test('the file has the Hugging Face LLaMA layout', () => {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(json.normalizer, {
    type: 'Sequence',
    normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }],
  });
  assert.equal(json.pre_tokenizer, null);
  assert.deepEqual(json.decoder.decoders.map((d: { type: string }) => d.type), ['Replace', 'ByteFallback', 'Fuse', 'Strip']);
  assert.deepEqual(json.post_processor.single, [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }]);
  const { type, unk_token, fuse_unk, byte_fallback, dropout, vocab, merges } = json.model;
  assert.deepEqual({ type, unk_token, fuse_unk, byte_fallback, dropout }, { type: 'BPE', unk_token: '<unk>', fuse_unk: true, byte_fallback: true, dropout: null });
  assert.equal(Object.keys(vocab).length, 32000);
  assert.equal(merges.length, 61249);
  assert.deepEqual(
    json.added_tokens.map((t: { id: number; content: string; special: boolean; normalized: boolean }) => [t.id, t.content, t.special, t.normalized]),
    [[0, '<unk>', true, false], [1, '<s>', true, false], [2, '</s>', true, false]],
  );
  const config = JSON.parse(fs.readFileSync(path.join(llama2TokenizerDir(), 'tokenizer_config.json'), 'utf8'));
  assert.deepEqual(
    [config.bos_token, config.eos_token, config.unk_token, config.add_bos_token, config.add_eos_token],
    ['<s>', '</s>', '<unk>', true, false],
  );
});

test('every token has the id llama-tokenizer-js gives it', () => {
  assert.equal(llamaTokenizerJs.vocabById.length, 32000);
  llamaTokenizerJs.vocabById.forEach((token, id) => assert.equal(hf.tokenToId(token), id, token));
});

// Deterministic text from fragments of many scripts, code, digits, emoji and whitespace runs, cut at
// code points (a lone UTF-16 surrogate is not text: Rust turns it into U+FFFD, llama-tokenizer-js into bytes).
function generatedTexts(count: number): string[] {
  const pools = [
    'the quick brown fox jumps over ', 'def f(x):\n\treturn x ** 2\n', '中文字符测试你好世界', 'ひらがなカタカナ漢字',
    '😀👨‍👩‍👧🦙🇫🇷', '     ', '\n\n\r\n', '0123456789.,%$', 'naïve café résumé ', 'Привет, мир! ', 'مرحبا بالعالم ',
    'ꙊꙋⰀ𝔘𝔫𝔦', '{}[]()<>;:=+-*/', 'e\u0301\u200b\u200d', '한국어 텍스트 ', 'ΑΒΓ αβγ ', '▁▁_', '\t\t',
  ].map((p) => Array.from(p));
  let state = 20261128;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = '';
    const pieces = 1 + Math.floor(next() * 60);
    for (let j = 0; j < pieces; j++) {
      const pool = pools[Math.floor(next() * pools.length)];
      const start = Math.floor(next() * pool.length);
      text += pool.slice(start, start + 1 + Math.floor(next() * 10)).join('');
    }
    out.push(text);
  }
  return out;
}

test('ids equal llama-tokenizer-js encode() exactly on the reference strings and 400 generated ones', async () => {
  // llama-tokenizer-js treats "<s>" etc. as plain text, while Hugging Face's LLaMA tokenizer (and so
  // ours) matches special-token text first; strings containing it are covered by the next test.
  const special = /<s>|<\/s>|<unk>/;
  const texts = [...fixture.texts.filter((t) => !special.test(t) && t.length > 0), ...generatedTexts(400)];
  assert.ok(texts.length >= 600);
  const ours = await hf.encodeBatch(texts, { addSpecialTokens: true });
  texts.forEach((text, i) => {
    assert.deepEqual(ours[i].getIds(), llamaTokenizerJs.encode(text), `string ${i}: ${JSON.stringify(text.slice(0, 60))}`);
  });
  // llama-tokenizer-js returns [] for ''; Hugging Face gives BOS alone.
  assert.deepEqual(await ids(''), [1]);
});

test('special-token text becomes the special token, as in Hugging Face LlamaTokenizerFast', async () => {
  assert.deepEqual(await ids('a<s>b</s>c'), [1, 263, 1, 289, 2, 274]);
  assert.deepEqual(llamaTokenizerJs.encode('a<s>b</s>c'), [1, 263, 29966, 29879, 29958, 29890, 829, 29879, 29958, 29883]);
});

test('a missing generated file names the fix; the @lenml file stays usable by explicit path', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-llama2-'));
  try {
    assert.throws(() => llama2TokenizerPath(empty), /npm run build/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
  const lenml = DocumentTokenizer.load({ tokenizerPath: lenmlTokenizerPath() });
  assert.deepEqual([...(await lenml.encode('Hello world'))], [1, 22557, 1526, 2]);
  assert.notEqual(lenml.tokenizerId, DocumentTokenizer.load().tokenizerId);
});
