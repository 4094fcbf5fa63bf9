import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TextView } from '../verdict';
import { GopherQualityFilter, isNonSymbolWord } from './gopher-quality';
import { PROSE, distinctWords } from './test-texts';

const run = (text: string, options = {}) => new GopherQualityFilter(options).apply(new TextView(text));
const rejection = (text: string, options = {}) => {
  const v = run(text, options);
  assert.ok(!v.keep, 'expected a rejection');
  return v.rejection;
};

test('ordinary prose is kept', () => {
  assert.deepEqual(run(PROSE), { keep: true, text: PROSE });
});

test('symbol words are those made only of punctuation', () => {
  assert.ok(!isNonSymbolWord('...'));
  assert.ok(!isNonSymbolWord('—'));
  assert.ok(isNonSymbolWord('a.'));
  assert.ok(isNonSymbolWord('1'));
});

test('too few non-symbol words: value is the count, threshold min_doc_words', () => {
  assert.deepEqual(rejection('Hello there, world!'), { filter: 'gopher_quality', rule: 'gopher_short_doc', value: 3, threshold: 50 });
  assert.ok(run('Hello there, world!', { minDocWords: 3, minStopWords: null, maxNonAlphaWordsRatio: null }).keep);
});

test('mean word length outside [3, 10]', () => {
  const long = Array(60).fill('internationalization').join(' ') + ' the and';
  const r = rejection(long);
  assert.equal(r.rule, 'gopher_above_avg_threshold');
  assert.equal(r.value, (60 * 20 + 3 + 3) / 62);
  const short = Array(60).fill('a b').join(' ');
  assert.equal(rejection(short).rule, 'gopher_below_avg_threshold');
});

test('hash and ellipsis ratios are per word token', () => {
  const tags = distinctWords(20).map((w) => '#' + w).join(' ');
  const r = rejection(`${PROSE}\n${tags}`);
  assert.equal(r.rule, 'gopher_too_many_hashes');
  assert.equal(r.threshold, 0.1);
  const dots = rejection(`${PROSE} ${'and so on... '.repeat(20)}`);
  assert.equal(dots.rule, 'gopher_too_many_ellipsis');
});

test('bullet lines and lines ending in an ellipsis', () => {
  const bullets = PROSE.split('\n').concat(PROSE.split('\n')).map((l, i) => (i % 2 ? '• ' : '- ') + l).join('\n');
  assert.equal(rejection(bullets, { maxSymbolWordRatio: null }).rule, 'gopher_too_many_bullets');
  const trailing = PROSE.split('\n').map((l) => l.slice(0, -1) + '...').join('\n');
  const r = rejection(trailing, { maxSymbolWordRatio: null });
  assert.equal(r.rule, 'gopher_too_many_end_ellipsis');
  assert.equal(r.value, 1);
});

test('too few words with a letter (punctuation tokens count as words)', () => {
  const numbers = `${PROSE} ${Array.from({ length: 40 }, (_, i) => String(i)).join(' ')}`;
  const r = rejection(numbers);
  assert.equal(r.rule, 'gopher_below_alpha_threshold');
  assert.ok(r.value < 0.8);
  assert.equal(r.threshold, 0.8);
});

test('stop words: distinct and case-sensitive', () => {
  const text = distinctWords(60).join(' ') + ' The THE the';
  assert.deepEqual(rejection(text), { filter: 'gopher_quality', rule: 'gopher_enough_stop_words', value: 1, threshold: 2 });
  assert.ok(run(distinctWords(60).join(' ') + ' the of').keep);
  assert.ok(run(text, { stopWords: ['The', 'THE'] }).keep);
});
