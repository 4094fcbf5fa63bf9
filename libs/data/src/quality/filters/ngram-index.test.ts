import assert from 'node:assert/strict';
import { test } from 'node:test';

import { pyLen } from '@cptflow/pycompat';
import { NGramIndex } from './ngram-index';

// datatrove's definitions, written the slow and obvious way, as the oracle.
function naiveTop(words: string[], n: number): number {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= words.length; i++) {
    const g = words.slice(i, i + n).join(' ');
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const e of counts) if (!best || e[1] > best[1]) best = e;
  return best ? pyLen(best[0]) * best[1] : 0;
}

function naiveDuplicated(words: string[], n: number): number {
  const seen = new Set<string>();
  let repeated = 0;
  let i = 0;
  while (i < words.length - n + 1) {
    const g = words.slice(i, i + n).join('');
    if (seen.has(g)) {
      repeated += pyLen(g);
      i += n;
    } else {
      seen.add(g);
      i++;
    }
  }
  return repeated;
}

function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('n-gram statistics equal the string-based definitions on random texts', () => {
  // a tiny vocabulary with pieces that glue into the same strings ("ab"+"c" = "a"+"bc") and astral chars
  const vocab = ['a', 'b', 'ab', 'c', 'bc', 'the', '.', ',', '😀', 'x😀', 'cat'];
  const rand = seededRandom(7);
  for (let trial = 0; trial < 300; trial++) {
    const words = Array.from({ length: Math.floor(rand() * 60) }, () => vocab[Math.floor(rand() * vocab.length)]);
    const lengths = words.map(pyLen);
    const spaced = new NGramIndex(words, lengths, ' ');
    const glued = new NGramIndex(words, lengths, '');
    for (const n of [2, 3, 4]) assert.equal(spaced.topNGramChars(n), naiveTop(words, n), `top ${n} of ${JSON.stringify(words)}`);
    for (const n of [5, 6, 7, 8, 9, 10]) {
      assert.equal(glued.duplicatedNGramChars(n), naiveDuplicated(words, n), `dup ${n} of ${JSON.stringify(words)}`);
    }
  }
});

test('duplicated n-grams compare glued text, so different word splits of the same text repeat', () => {
  const words = ['ab', 'c', 'd', 'e', 'f', 'a', 'bc', 'd', 'e', 'f'];
  const index = new NGramIndex(words, words.map(pyLen), '');
  assert.equal(index.duplicatedNGramChars(5), 'abcdef'.length);
});

test('the most frequent n-gram: ties go to the n-gram seen first', () => {
  const words = ['x', 'y', 'long', 'word', 'x', 'y', 'long', 'word'];
  // "x y", "y long", "long word" each occur twice; "x y" came first: 3 chars x 2
  assert.equal(new NGramIndex(words, words.map(pyLen), ' ').topNGramChars(2), 6);
});
