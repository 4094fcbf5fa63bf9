import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '@cptflow/platform';
import { LLAMA2_TOKENIZER_SHA256, llama2TokenizerPath } from './llama2-tokenizer';
import { loadModelTokenizer, TokenizerMismatchError } from './model-tokenizer';
import { writeCharTokenizerModel } from './testing/char-tokenizer';

describe("a model's own tokenizer", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-model-tokenizer-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("is the tokenizer.json in the model's directory, not LLaMA-2's", async () => {
    const dir = writeCharTokenizerModel(path.join(root, 'char'));
    const tokenizer = await loadModelTokenizer(dir);
    assert.equal(tokenizer.tokenizerPath, path.join(dir, 'tokenizer.json'));
    assert.notEqual(tokenizer.tokenizerId, `sha256:${LLAMA2_TOKENIZER_SHA256}`);
    assert.equal(tokenizer.vocabSize, 100);
    assert.deepEqual([...(await tokenizer.encode('Hi'))], [1, 3 + 2 + 'H'.charCodeAt(0) - 32, 3 + 2 + 'i'.charCodeAt(0) - 32, 2]);
  });

  it('is required: a model without tokenizer.json stops with an error naming the directory', async () => {
    const dir = writeCharTokenizerModel(path.join(root, 'none'), { tokenizer: false });
    await assert.rejects(loadModelTokenizer(dir), (err: Error) => {
      assert.ok(err instanceof TokenizerMismatchError && err instanceof ConfigError, 'exits 2 like a configuration error');
      assert.match(err.message, new RegExp(`model ${dir} has no tokenizer.json`));
      return true;
    });
  });

  const mismatches: Array<[string, (dir: string) => void, RegExp]> = [
    ['more ids than the embedding has rows', (dir) => fs.copyFileSync(llama2TokenizerPath(), path.join(dir, 'tokenizer.json')), /the tokenizer has 32000 ids, the model's vocab_size is 256/],
    ['another EOS id', (dir) => writeCharTokenizerModel(dir, { config: { eos_token_id: 5 } }), /the tokenizer's EOS <\/s> is id 2, the model's eos_token_id is 5/],
    ['another BOS id', (dir) => writeCharTokenizerModel(dir, { config: { bos_token_id: 7 } }), /the tokenizer starts documents with id 1, the model's bos_token_id is 7/],
  ];
  for (const [what, spoil, expected] of mismatches) {
    it(`is refused with both files named when it has ${what}`, async () => {
      const dir = writeCharTokenizerModel(path.join(root, what.replace(/\W+/g, '-')));
      spoil(dir);
      await assert.rejects(loadModelTokenizer(dir), (err: Error) => {
        assert.ok(err instanceof TokenizerMismatchError);
        assert.ok(err.message.includes(`tokenizer ${path.join(dir, 'tokenizer.json')} does not fit model ${path.join(dir, 'config.json')}`), err.message);
        assert.match(err.message, expected);
        return true;
      });
    });
  }
});
