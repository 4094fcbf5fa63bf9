// Expected tokens are spaCy 3.8's (spacy.blank("en")), the tokenizer datatrove uses for English.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { countSentences, splitWords } from './word-splitter';

test('punctuation is split off words; contractions split as spaCy does', () => {
  assert.deepEqual(splitWords("Don't stop, he said."), ['Do', "n't", 'stop', ',', 'he', 'said', '.']);
  assert.deepEqual(splitWords("can't won't"), ['ca', "n't", 'wo', "n't"]);
});

test('tokenizer exceptions keep abbreviations whole, also inside larger chunks', () => {
  assert.deepEqual(splitWords('Mr. Smith, e.g. today'), ['Mr.', 'Smith', ',', 'e.g.', 'today']);
  // "--Mr." is split into "--", "Mr", "." by the affix rules; spaCy's special-case pass re-joins "Mr."
  assert.deepEqual(splitWords('demanded--Mr. Tilney'), ['demanded', '--', 'Mr.', 'Tilney']);
});

test('infixes split hyphenated words; URLs stay whole', () => {
  assert.deepEqual(splitWords('a well-known fact'), ['a', 'well', '-', 'known', 'fact']);
  assert.deepEqual(splitWords('see https://example.com/a?b=1.'), ['see', 'https://example.com/a?b=1', '.']);
});

test('whitespace other than single spaces never becomes a word', () => {
  assert.deepEqual(splitWords('a  b\n\nc\t d\u00a0e'), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(splitWords('   '), []);
  assert.deepEqual(splitWords(''), []);
});

test('countSentences follows the spaCy sentencizer', () => {
  assert.equal(countSentences('One. Two! Three? Four'), 4);
  assert.equal(countSentences('Mr. Smith went home.'), 1); // "Mr." is one token, not a sentence end
  assert.equal(countSentences('"Stop." He left.'), 2); // closing quote stays with its sentence
  assert.equal(countSentences('no punctuation at all'), 1);
  assert.equal(countSentences('Wait... what'), 1); // "..." is not a sentence-ending token
  assert.equal(countSentences(''), 1); // datatrove's split_into_sentences("") is [""]
});

test('long runs of affix characters split in linear time (one token per character)', () => {
  // peeling one suffix at a time used to re-hash every remainder: ~70 s for this input
  const text = 'x' + '😀'.repeat(100_000);
  const started = Date.now();
  const words = splitWords(text);
  assert.equal(words.length, 100_001);
  assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
});
