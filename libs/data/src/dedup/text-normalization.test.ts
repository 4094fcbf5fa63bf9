import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeForExactMatch, simplifyText } from './text-normalization';

test('simplifyText: lowercase, digits to 0, punctuation to spaces, accents dropped', () => {
  assert.equal(simplifyText('  Hello, WORLD! 3.14 and 42 — Crème brûlée…  '), 'hello world 0 and 0 creme brulee');
});

test('simplifyText keeps tabs/newlines as whitespace, removes control characters', () => {
  assert.equal(simplifyText('a\tb\nc\r\nd\u0007e'), 'a b c d e');
});

test('normalizeForExactMatch: whitespace and Unicode composition do not matter, case does', () => {
  assert.equal(normalizeForExactMatch(' Caf\u0065\u0301 au\tlait\r\n\r\nok '), 'Caf\u00e9 au lait ok');
  assert.notEqual(normalizeForExactMatch('Hello'), normalizeForExactMatch('hello'));
  assert.notEqual(normalizeForExactMatch('a, b'), normalizeForExactMatch('a b'));
});
