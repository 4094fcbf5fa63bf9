import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimatedJaccard, MinHasher, sha1Hash64, shingleStrings, signatureValues } from './minhash';
import { changeWords, licenceDocuments, realTextAvailable, seededRandom } from './real-text.testutil';

const hasher = new MinHasher();
const TEXT =
  'The licenses for most software and other practical works are designed to take away your freedom to share and change the works.';

test('datatrove defaults: 5-grams, 14 bands x 8 hashes, seed 1', () => {
  assert.deepEqual({ ...hasher.config }, { nGrams: 5, numBands: 14, hashesPerBand: 8, seed: 1 });
  assert.equal(hasher.numHashes, 112);
});

test('sha1Hash64 is the little-endian first 8 bytes of SHA-1', () => {
  // sha1("abc") = a9993e364706816aba3e25717850c26c9cd0d89d
  const [hi, lo] = sha1Hash64('abc');
  assert.equal(lo, 0x363e99a9);
  assert.equal(hi, 0x6a810647);
});

test('signature is deterministic, 112 values below 2^61 - 1, and equals a BigInt re-computation', () => {
  const sig = hasher.signature(TEXT);
  assert.ok(sig);
  assert.deepEqual(hasher.signature(TEXT), sig);
  assert.deepEqual(new MinHasher().signature(TEXT), sig);
  const values = signatureValues(sig);
  assert.equal(values.length, 112);
  // Independent check of the 64-bit arithmetic with BigInt: min over shingles of ((a x + b) mod 2^64) mod p.
  const { a, b } = require('./minhash').permutationParameters(1, 112) as { a: bigint[]; b: bigint[] };
  const p = (1n << 61n) - 1n;
  const shingles = [...new Set(shingleStrings(TEXT, 5))].map((s) => {
    const [hi, lo] = sha1Hash64(s);
    return (BigInt(hi) << 32n) | BigInt(lo);
  });
  const expected = a.map((ak, k) => shingles.reduce((m, x) => {
    const v = BigInt.asUintN(64, x * ak + b[k]) % p;
    return v < m ? v : m;
  }, p));
  assert.deepEqual(values, expected);
});

test('a different seed gives a different signature', () => {
  const other = new MinHasher({ seed: 2 }).signature(TEXT);
  assert.ok(other);
  assert.ok(estimatedJaccard(hasher.signature(TEXT)!, other) < 0.2);
});

test('fewer than 5 words: no signature (datatrove never flags such documents)', () => {
  assert.equal(hasher.signature('only four words here'), null);
  assert.equal(hasher.signature('  ... !!! '), null);
  assert.ok(hasher.signature('exactly five words are here'));
});

test('case, punctuation, digits and accents do not change the signature', () => {
  const a = hasher.signature('Café prices rose 12.5% in 2023, said the report; analysts expected more.');
  const b = hasher.signature('cafe PRICES rose 99,1 in 1999 -- said the report analysts expected more!!');
  assert.deepEqual(a, b);
});

test('band keys: one per band, equal exactly where the band values are equal', () => {
  const sig = hasher.signature(TEXT)!;
  const keys = hasher.bandKeys(sig);
  assert.equal(keys.length, 14);
  assert.equal(new Set(keys).size, 14);
  keys.forEach((k, i) => assert.match(k, new RegExp(`^b${i}:[0-9a-f]{32}$`)));
  const changed = sig.slice();
  changed[3 * 64 + 5] ^= 1; // one byte inside band 3
  const changedKeys = hasher.bandKeys(changed);
  keys.forEach((k, i) => (i === 3 ? assert.notEqual(changedKeys[i], k) : assert.equal(changedKeys[i], k)));
  // The same values in another band position give a different key (the band index is part of it).
  const swapped = sig.slice();
  swapped.set(sig.subarray(0, 64), 64);
  swapped.set(sig.subarray(64, 128), 0);
  assert.notEqual(hasher.bandKeys(swapped)[0], keys[1]);
});

test('known pairs: a two-word edit stays similar, unrelated text does not', () => {
  const docs = licenceDocuments(200, 2);
  const a = docs[0].text;
  const edited = changeWords(a, 2, seededRandom(1));
  const sa = hasher.signature(a)!;
  const se = hasher.signature(edited)!;
  const su = hasher.signature(docs[1].text)!;
  assert.ok(estimatedJaccard(sa, se) > 0.8, `edited similarity ${estimatedJaccard(sa, se)}`);
  assert.ok(estimatedJaccard(sa, su) < 0.1, `unrelated similarity ${estimatedJaccard(sa, su)}`);
  const shareBand = (x: Uint8Array, y: Uint8Array) => hasher.bandKeys(x).some((k, i) => k === hasher.bandKeys(y)[i]);
  assert.ok(shareBand(sa, se));
  assert.ok(!shareBand(sa, su));
});

test('recall and precision of LSH candidates on real text with 1-3 words changed', { skip: !realTextAvailable() && 'needs /usr/share/common-licenses' }, () => {
  const originals = licenceDocuments(200, 30);
  assert.ok(originals.length >= 80);
  const random = seededRandom(42);
  const bandsOf = new Map<string, string[]>();
  for (const d of originals) bandsOf.set(d.id, hasher.bandKeys(hasher.signature(d.text)!));
  const candidatesOf = (text: string) => {
    const keys = hasher.bandKeys(hasher.signature(text)!);
    return originals.filter((o) => bandsOf.get(o.id)!.some((k, i) => k === keys[i])).map((o) => o.id);
  };
  let truePositives = 0;
  let falsePositives = 0;
  for (const original of originals) {
    const nearDup = changeWords(original.text, 1 + Math.floor(random() * 3), random);
    const found = candidatesOf(nearDup);
    if (found.includes(original.id)) truePositives++;
    falsePositives += found.filter((id) => id !== original.id).length;
  }
  const recall = truePositives / originals.length;
  const precision = truePositives / Math.max(1, truePositives + falsePositives);
  // 1-3 changes in 200 words keep 5-gram Jaccard above ~0.8, where 14x8 LSH finds >92% (datatrove).
  assert.ok(recall >= 0.95, `recall ${recall}`);
  assert.ok(precision >= 0.99, `precision ${precision}`);
  // Heavily rewritten text (40 of 200 words) must mostly not be flagged.
  let flagged = 0;
  for (const original of originals) {
    if (candidatesOf(changeWords(original.text, 40, random)).includes(original.id)) flagged++;
  }
  assert.ok(flagged / originals.length < 0.1, `heavy rewrites flagged ${flagged}/${originals.length}`);
});
