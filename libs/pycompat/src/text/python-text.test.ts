import assert from 'node:assert/strict';
import { test } from 'node:test';

import { countOccurrences, hasAlphaChar, isPySpace, pyLen, pySplitLines, pySplitWhitespace, pyStrip } from './python-text';

test('pyLen counts code points like Python len(), not UTF-16 units', () => {
  assert.equal(pyLen('abc'), 3);
  assert.equal(pyLen('😀'), 1); // 2 UTF-16 units
  assert.equal(pyLen('a😀b𝔸'), 4);
  assert.equal(pyLen(''), 0);
});

test('Python whitespace: U+001C..U+001F and U+0085 are spaces, U+FEFF and U+200B are not', () => {
  for (const c of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1f, 0x85, 0xa0, 0x2009, 0x3000]) assert.ok(isPySpace(c), c.toString(16));
  for (const c of [0xfeff, 0x200b, 0x41, 0x1b]) assert.ok(!isPySpace(c), c.toString(16));
  assert.equal(pyStrip('\x1c hi \u00a0'), 'hi');
  assert.equal(pyStrip('\ufeffhi'), '\ufeffhi');
  assert.deepEqual(pySplitWhitespace('  a\tb\u3000c  '), ['a', 'b', 'c']);
});

test('pySplitLines splits like str.splitlines()', () => {
  assert.deepEqual(pySplitLines('a\nb\r\nc\rd\x0be\x0cf\x1cg\x85h\u2028i\u2029j'), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
  assert.deepEqual(pySplitLines('a\n\nb\n'), ['a', '', 'b']); // no empty line after the final break
  assert.deepEqual(pySplitLines(''), []);
});

test('countOccurrences counts non-overlapping matches like str.count()', () => {
  assert.equal(countOccurrences('.....', '...'), 1);
  assert.equal(countOccurrences('a#b##', '#'), 3);
  assert.equal(countOccurrences('abc', 'x'), 0);
});

test('hasAlphaChar follows str.isalpha() per character', () => {
  assert.ok(hasAlphaChar('--a'));
  assert.ok(hasAlphaChar('Ωmega'));
  assert.ok(hasAlphaChar('中'));
  assert.ok(!hasAlphaChar('123'));
  assert.ok(!hasAlphaChar('...'));
  assert.ok(!hasAlphaChar('²')); // a digit, not a letter
});
