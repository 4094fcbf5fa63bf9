// Token ids must equal Python `tokenizers` on the same tokenizer.json, the generated LLaMA-2 one
// (fixture made by libs/data/fixtures/packing/make_tokenizer_reference.py, which also checks transformers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DocumentTokenizer } from './document-tokenizer';

const fixture: { tokenizer_sha256: string; texts: string[]; ids: number[][] } = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../../../libs/data/fixtures/packing/tokenizer_reference.json'), 'utf8'),
);
const tokenizer = DocumentTokenizer.load();

test('the fixture was made from the same tokenizer.json', () => {
  assert.equal(tokenizer.tokenizerId, `sha256:${fixture.tokenizer_sha256}`);
  assert.ok(fixture.texts.length >= 250);
});

test('ids equal Python tokenizers exactly (plus our EOS) on every reference string', async () => {
  const ours = await tokenizer.encodeBatch(fixture.texts);
  fixture.texts.forEach((text, i) => {
    const expected = [...fixture.ids[i], tokenizer.eosId];
    assert.deepEqual([...ours[i]], expected, `string ${i}: ${JSON.stringify(text.slice(0, 60))}`);
  });
});
