import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TextView } from '../verdict';
import { FineWebQualityFilter } from './fineweb-quality';
import { PROSE, distinctWords } from './test-texts';

const run = (text: string, options = {}) => new FineWebQualityFilter(options).apply(new TextView(text));
const rejection = (text: string, options = {}) => {
  const v = run(text, options);
  assert.ok(!v.keep, 'expected a rejection');
  return v.rejection;
};

test('prose is kept unchanged', () => {
  assert.deepEqual(run(PROSE), { keep: true, text: PROSE });
});

test('a document of blank lines is empty', () => {
  assert.equal(rejection(' \n\t\n').rule, 'empty');
});

test('too few lines end in terminal punctuation (trailing spaces hide it)', () => {
  const lines = PROSE.split('\n');
  const noPunct = lines.map((l) => l.slice(0, -1)).join('\n');
  assert.deepEqual(rejection(noPunct), { filter: 'fineweb_quality', rule: 'line_punct_ratio', value: 0, threshold: 0.12 });
  assert.equal(rejection(lines.map((l) => l + '  ').join('\n')).rule, 'line_punct_ratio');
  // line_punct_exclude_zero spares pages where no line has punctuation at all
  assert.ok(run(noPunct, { linePunctExcludeZero: true }).keep);
  // non-Latin terminal punctuation counts (datatrove TERMINAL_PUNCTUATION)
  assert.ok(run(lines.map((l) => l.slice(0, -1) + '。').join('\n')).keep);
});

test('too many short lines', () => {
  const text = [...distinctWords(9).map((w) => `${w} ${w}.`), ...PROSE.split('\n')].join('\n');
  const r = rejection(text);
  assert.equal(r.rule, 'short_line_ratio');
  assert.equal(r.value, 9 / 13);
  assert.equal(r.threshold, 0.67);
});

test('characters in repeated lines over 1% of the text', () => {
  const lines = PROSE.split('\n');
  const text = [...lines, lines[0]].join('\n');
  const r = rejection(text);
  assert.equal(r.rule, 'char_dup_ratio');
  assert.equal(r.value, lines[0].length / text.replace(/\n/g, '').length);
});

test('too many newlines per word (list-like pages)', () => {
  const words = distinctWords(30, 'supercalifragilisticexpialidocious');
  const text = words.map((w) => `${w} well.`).join('\n');
  const r = rejection(text);
  assert.equal(r.rule, 'list_ratio');
  assert.equal(r.value, 29 / 90); // 29 newlines, 3 tokens per line
});
