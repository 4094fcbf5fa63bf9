import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TextView } from '../verdict';
import { GopherRepetitionFilter, findDuplicates } from './gopher-repetition';
import { PROSE } from './test-texts';

const run = (text: string, options = {}) => new GopherRepetitionFilter(options).apply(new TextView(text));

test('ordinary prose is kept unchanged', () => {
  assert.deepEqual(run(PROSE), { keep: true, text: PROSE });
});

test('an empty document is rejected as empty', () => {
  const v = run('');
  assert.ok(!v.keep && v.rejection.rule === 'empty');
});

test('findDuplicates counts repeats after the first occurrence, in code points', () => {
  assert.deepEqual(findDuplicates(['ab', 'c', 'ab', 'ab', '😀', '😀']), { count: 3, chars: 5 });
});

test('repeated paragraphs: fraction of paragraphs, then fraction of characters', () => {
  const v = run('One paragraph here.\n\nOne paragraph here.\n\nAnother different paragraph.');
  assert.deepEqual(v, { keep: false, rejection: { filter: 'gopher_repetition', rule: 'dup_para_frac', value: 1 / 3, threshold: 0.3 } });
  const para = 'This paragraph is quite a bit longer than the others around it.';
  const text = [para, 'b1.', 'b2.', 'b3.', para].join('\n\n');
  const w = run(text);
  assert.ok(!w.keep);
  assert.equal(w.rejection.rule, 'dup_para_char_frac');
  assert.equal(w.rejection.value, para.length / text.length);
  assert.equal(w.rejection.threshold, 0.2);
});

test('repeated lines are checked on the raw text split by newlines', () => {
  const line = 'the same line appears here';
  const text = [line, 'first other line', line, 'second other line', 'third other line'].join('\n');
  const v = run(text);
  assert.ok(!v.keep);
  assert.equal(v.rejection.rule, 'dup_line_char_frac');
  assert.equal(v.rejection.value, line.length / text.length);
  // switching that rule (and the n-gram rules the repeat also trips) off lets the document through
  assert.ok(run(text, { dupLineCharFrac: null, topNGrams: [], dupNGrams: [] }).keep);
});

test('the most frequent 2-gram covering too much of the text rejects', () => {
  const text = 'buy now '.repeat(30) + 'and some ordinary words to finish the sentence.';
  const v = run(text, { dupLineFrac: null, dupParaFrac: null });
  assert.ok(!v.keep);
  assert.equal(v.rejection.rule, 'top_2_gram');
  assert.equal(v.rejection.value, ('buy now'.length * 30) / text.length);
});

test('duplicated 5-grams: a sentence written twice', () => {
  const sentence = 'Every morning the old baker opened his shop before sunrise and lit the ovens';
  const filler = 'Meanwhile customers from distant villages queued patiently outside, chatting about weather, harvests, weddings, markets, horses and rumours.';
  const text = `${sentence} while ${filler} ${sentence}`;
  const v = run(text);
  assert.ok(!v.keep);
  assert.equal(v.rejection.rule, 'duplicated_5_n_grams');
  assert.equal(v.rejection.threshold, 0.15);
  // 14 words repeat; the first 5-gram found again counts, then each later one (jumping 5 words)
  assert.ok(v.rejection.value > 0.15 && v.rejection.value < 0.4, String(v.rejection.value));
  assert.ok(run(text, { dupNGrams: [] }).keep);
});
