import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTokens, encodeTokens, tokenWidthForVocab } from './token-codec';

test('token width: 2 bytes up to a 65,536-entry vocabulary, 4 above', () => {
  assert.equal(tokenWidthForVocab(32000), 2);
  assert.equal(tokenWidthForVocab(65536), 2);
  assert.equal(tokenWidthForVocab(65537), 4);
  assert.equal(tokenWidthForVocab(128256), 4);
});

test('uint16 payload is little-endian and round-trips', () => {
  const bytes = encodeTokens([1, 0x1234, 65535, 0], 2);
  assert.deepEqual([...bytes], [1, 0, 0x34, 0x12, 0xff, 0xff, 0, 0]);
  assert.deepEqual([...decodeTokens(bytes, 2)], [1, 0x1234, 65535, 0]);
});

test('uint32 payload is little-endian and round-trips', () => {
  const ids = [128000, 0x12345678, 0xffffffff, 7];
  const bytes = encodeTokens(ids, 4);
  assert.deepEqual([...bytes.subarray(4, 8)], [0x78, 0x56, 0x34, 0x12]);
  assert.deepEqual([...decodeTokens(bytes, 4)], ids);
});

test('ids that do not fit, and ragged payloads, are refused', () => {
  assert.throws(() => encodeTokens([65536], 2), /does not fit/);
  assert.throws(() => encodeTokens([-1], 4), /does not fit/);
  assert.throws(() => decodeTokens(new Uint8Array(3), 2), /multiple/);
  assert.throws(() => decodeTokens(new Uint8Array(4), 3 as 2), /width/);
});

test('decoding respects a view into a larger buffer', () => {
  const big = new Uint8Array(10);
  big.set(encodeTokens([5, 6], 2), 3);
  assert.deepEqual([...decodeTokens(big.subarray(3, 7), 2)], [5, 6]);
});
