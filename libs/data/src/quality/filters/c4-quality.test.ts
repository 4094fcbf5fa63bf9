import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TextView } from '../verdict';
import { C4QualityFilter } from './c4-quality';
import { PROSE } from './test-texts';

const run = (text: string, options = {}) => new C4QualityFilter(options).apply(new TextView(text));
/** Five sentences, the default minimum. */
const PROSE5 = PROSE + '\nThe water went down again within a week.';

test('prose with five sentences is kept as is', () => {
  assert.deepEqual(run(PROSE5), { keep: true, text: PROSE5 });
});

test('line rules drop lines and the document is rewritten from the kept lines', () => {
  const text = [
    '  Main menu  ', // no terminal punctuation
    'The river rose slowly through the night[3].', // citation removed
    'Ok.', // fewer than 3 words
    'Please enable JavaScript to see the comments.',
    'This site uses cookies to improve your visit.',
    'Farmers said they had never seen it climb so fast [citation needed].',
    'Some moved their animals to the hills. Others waited with the boats. By noon the rain had stopped.',
  ].join('\n');
  const filter = new C4QualityFilter();
  const v = filter.apply(new TextView(text));
  assert.deepEqual(v, {
    keep: true,
    text: [
      'The river rose slowly through the night.',
      'Farmers said they had never seen it climb so fast .',
      'Some moved their animals to the hills. Others waited with the boats. By noon the rain had stopped.',
    ].join('\n'),
  });
  assert.deepEqual(filter.lineStats, { total: 7, kept: 3, tooLongWord: 0, noTerminalPunct: 1, tooFewWords: 1, javascript: 1, policy: 1 });
});

test('FineWeb setting keeps lines without terminal punctuation', () => {
  const text = PROSE5 + '\nA line with no full stop\nAnother line without one';
  const v = run(text, { filterNoTerminalPunct: false });
  assert.deepEqual(v, { keep: true, text });
  assert.deepEqual(run(text), { keep: true, text: PROSE5 });
});

test('lorem ipsum and curly brackets reject the whole page', () => {
  assert.deepEqual(run(PROSE + '\nLorem Ipsum dolor sit amet, consectetur.'), {
    keep: false,
    rejection: { filter: 'c4_quality', rule: 'lorem_ipsum', value: NaN, threshold: NaN },
  });
  const braces = run(PROSE + '\nThe config is {"a": 1} in this file.');
  assert.ok(!braces.keep && braces.rejection.rule === 'curly_bracket');
  // a bracket on a line that was dropped earlier does not count
  assert.ok(run(PROSE + '\nfunction f() { return 1 }\nThe end came soon.').keep);
  assert.ok(run(PROSE + '\nThe config is {"a": 1} in this file.', { filterCurlyBracket: false }).keep);
});

test('too few sentences: value is the sentence count of the kept lines', () => {
  assert.deepEqual(run('Mr. Smith went home. He slept.\nShort.'), {
    keep: false,
    rejection: { filter: 'c4_quality', rule: 'too_few_sentences', value: 2, threshold: 5 },
  });
  assert.ok(run('Mr. Smith went home. He slept.', { minNumSentences: 2 }).keep);
  assert.ok(run('One two three.', { minNumSentences: -1 }).keep);
});

test('a line with a word over max_word_length is dropped', () => {
  const text = `${PROSE5}\nThe blob ${'x'.repeat(1001)} ends here.`;
  assert.deepEqual(run(text), { keep: true, text: PROSE5 });
});
