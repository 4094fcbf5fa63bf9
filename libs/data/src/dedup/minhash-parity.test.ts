// Parity with datatrove: simplify_text, word splitting and MinHash signatures against the values
// datatrove itself produced (fixture made by libs/data/fixtures/dedup/make_minhash_reference.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MinHasher, permutationParameters, signatureValues } from './minhash';
import { simplifyText } from './text-normalization';
import { splitWords } from '@cptflow/pycompat';

interface ReferenceDoc {
  id: string;
  text: string;
  simplified: string;
  words: string[];
  signature: string[] | null;
}
interface Reference {
  parameters: { a: string[]; b: string[] };
  documents: ReferenceDoc[];
}

const fixturePath = path.resolve(__dirname, '../../../../../libs/data/fixtures/dedup/minhash_reference.json');
const reference: Reference = JSON.parse(fs.readFileSync(fixturePath, 'utf8'));

test('permutation parameters equal numpy RandomState(1) draws', () => {
  const { a, b } = permutationParameters(1, 112);
  assert.deepEqual(a.map(String), reference.parameters.a);
  assert.deepEqual(b.map(String), reference.parameters.b);
});

test('simplifyText equals datatrove simplify_text on every reference document', () => {
  for (const doc of reference.documents) assert.equal(simplifyText(doc.text), doc.simplified, doc.id);
});

test('word splitting equals spaCy (datatrove\'s English word tokenizer) on every reference document', () => {
  for (const doc of reference.documents) assert.deepEqual(splitWords(doc.simplified), doc.words, doc.id);
});

test('signatures equal datatrove bit for bit (sha1, 64-bit, 14 x 8, seed 1)', () => {
  const hasher = new MinHasher();
  let compared = 0;
  for (const doc of reference.documents) {
    const sig = hasher.signature(doc.text);
    if (doc.signature === null) {
      assert.equal(sig, null, doc.id);
      continue;
    }
    assert.ok(sig, doc.id);
    assert.deepEqual(signatureValues(sig).map(String), doc.signature, doc.id);
    compared++;
  }
  assert.ok(compared >= 190, `only ${compared} signatures compared`);
});
