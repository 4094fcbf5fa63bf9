import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DocumentTokenizer, defaultTokenizerPath } from './document-tokenizer';

const tokenizer = DocumentTokenizer.load();

test('default tokenizer.json is the LLaMA-2 one the build generates', () => {
  assert.match(defaultTokenizerPath(), /dist[\\/]tokenizers[\\/]llama2[\\/]tokenizer\.json$/);
  assert.equal(tokenizer.vocabSize, 32000);
  assert.equal(tokenizer.tokenWidth, 2);
});

test('tokenizerId is sha256 of the tokenizer.json bytes', () => {
  const digest = createHash('sha256').update(fs.readFileSync(defaultTokenizerPath())).digest('hex');
  assert.equal(tokenizer.tokenizerId, `sha256:${digest}`);
});

test('every document starts with BOS (the post-processor) and ends with EOS', async () => {
  assert.equal(tokenizer.eosToken, '</s>');
  assert.equal(tokenizer.eosId, 2);
  for (const text of ['Hello world', '', 'Two\n\nparagraphs.']) {
    const ids = await tokenizer.encode(text);
    assert.equal(ids[0], 1, `BOS first for ${JSON.stringify(text)}`);
    assert.equal(ids[ids.length - 1], 2, `EOS last for ${JSON.stringify(text)}`);
  }
  assert.deepEqual([...(await tokenizer.encode(''))], [1, 2]);
});

test('encodeBatch equals encode one by one, and decode gives the text back', async () => {
  const texts = ['The quick brown fox.', 'naïve café 日本語 😀', '  spaced  out  ', 'code: x = f(y) + 1;'];
  const batch = await tokenizer.encodeBatch(texts);
  for (const [i, text] of texts.entries()) {
    assert.deepEqual(batch[i], await tokenizer.encode(text));
    assert.equal(await tokenizer.decode(batch[i]), text);
  }
});

test('a custom tokenizer.json and EOS token can be given', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-tok-'));
  try {
    const copy = path.join(dir, 'tokenizer.json');
    fs.copyFileSync(defaultTokenizerPath(), copy);
    const custom = DocumentTokenizer.load({ tokenizerPath: copy, eosToken: '<unk>' });
    assert.equal(custom.eosId, 0);
    assert.equal(custom.tokenizerId, tokenizer.tokenizerId);
    assert.throws(() => DocumentTokenizer.load({ tokenizerPath: copy, eosToken: '<|nope|>' }), /no EOS token/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
