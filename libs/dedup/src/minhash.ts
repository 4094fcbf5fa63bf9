// MinHash signatures and LSH bands with datatrove's definitions
// (src/datatrove/pipeline/dedup/minhash.py @ a649de79, MinhashDedupSignature):
//  - shingles: word n-grams (n = 5) of simplify_text(text), words joined by one space;
//  - each shingle hashed to 64 bits with datatrove's sha1_hash64: the first 8 bytes of SHA-1 of the
//    UTF-8 shingle read as a little-endian uint64 (the hash FineWeb used: HashConfig(hash_fc="sha1",
//    precision=64); datatrove's later default is xxhash64, which Node has no built-in for);
//  - 14 x 8 = 112 universal-hash permutations h(x) = ((a*x + b) mod 2^64) mod (2^61 - 1) with
//    a in [1, p), b in [0, p) drawn from np.random.RandomState(seed) (seed 1 by default). The
//    "mod 2^64" is numpy's uint64 wrap-around, which datatrove relies on; it is reproduced here;
//  - signature = per-permutation minimum over the shingles, split into 14 bands of 8 values;
//  - a document with fewer than n words has no shingles and therefore no signature.
// With 14 bands of 8 rows, two documents become candidates with probability 1 - (1 - s^8)^14 for
// Jaccard similarity s: about 0.92 at s = 0.8, 0.05 at s = 0.5 (datatrove's own comment).
import { createHash } from 'node:crypto';
import { Mt19937, randintUint64 } from './numpy-random-state';
import { simplifyText } from './text-normalization';
import { splitWords } from './word-splitter';

export interface MinHashConfig {
  /** Words per shingle. datatrove default 5. */
  nGrams: number;
  /** LSH bands ("buckets" in datatrove). Default 14. */
  numBands: number;
  /** Hash values per band. Default 8. */
  hashesPerBand: number;
  /** RandomState seed for the permutation parameters. datatrove default 1. */
  seed: number;
}

export const DATATROVE_MINHASH_DEFAULTS: Readonly<MinHashConfig> = Object.freeze({
  nGrams: 5,
  numBands: 14,
  hashesPerBand: 8,
  seed: 1,
});

const MERSENNE_61 = (1n << 61n) - 1n;
const TWO_32 = 4294967296;

/**
 * A signature: numBands * hashesPerBand values, each a uint64 below 2^61 - 1, stored little-endian
 * back to back (8 bytes per value) so it can be persisted and compared as bytes.
 */
export type MinHashSignature = Uint8Array;

/** Builds the 64-bit shingle hash of one n-gram: datatrove's sha1_hash64. Returns [high, low] words. */
export function sha1Hash64(shingle: string): [number, number] {
  const digest = createHash('sha1').update(shingle, 'utf8').digest();
  return [digest.readUInt32LE(4), digest.readUInt32LE(0)];
}

/** Space-joined word n-grams of the simplified text, as datatrove's get_shingles builds them. */
export function shingleStrings(text: string, nGrams: number): string[] {
  const words = splitWords(simplifyText(text));
  const out: string[] = [];
  for (let i = 0; i + nGrams <= words.length; i++) out.push(words.slice(i, i + nGrams).join(' '));
  return out;
}

/** Low 64 bits of x*a + b, with all values as [high, low] uint32 words. */
function mulAddMod64(xh: number, xl: number, ah: number, al: number, bh: number, bl: number): [number, number] {
  // Full 64-bit product of the low words, via 16-bit halves so every partial product is exact.
  const x0 = xl & 0xffff;
  const x1 = xl >>> 16;
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const mid = x0 * a1 + x1 * a0; // < 2^33
  let lo = x0 * a0 + (mid % 65536) * 65536; // < 2^33
  const carryLo = lo >= TWO_32 ? 1 : 0;
  lo -= carryLo * TWO_32;
  let hi = x1 * a1 + Math.floor(mid / 65536) + carryLo;
  // Cross terms only affect the high word (their own high halves fall off the 64-bit end).
  hi = (hi + Math.imul(xh, al) + Math.imul(xl, ah)) >>> 0;
  lo += bl;
  const carryB = lo >= TWO_32 ? 1 : 0;
  lo -= carryB * TWO_32;
  hi = (hi + bh + carryB) >>> 0;
  return [hi, lo];
}

/** v mod (2^61 - 1) for a uint64 v given as [high, low]. */
function modMersenne61(hi: number, lo: number): [number, number] {
  // v = top * 2^61 + rest, and 2^61 = 1 (mod p), so v = top + rest (mod p), which is below 2p.
  const top = hi >>> 29;
  let h = hi & 0x1fffffff;
  let l = lo + top;
  if (l >= TWO_32) {
    l -= TWO_32;
    h += 1;
  }
  if (h > 0x1fffffff || (h === 0x1fffffff && l >= 0xffffffff)) {
    // subtract p = 2^61 - 1, i.e. add 1 and drop the 2^61 bit
    l += 1;
    if (l >= TWO_32) {
      l -= TWO_32;
      h += 1;
    }
    h -= 0x20000000;
  }
  return [h, l];
}

export class MinHasher {
  readonly config: Readonly<MinHashConfig>;
  readonly numHashes: number;
  /** Permutation parameters as [high, low] words: a in [1, p), b in [0, p). */
  private readonly aHi: Uint32Array;
  private readonly aLo: Uint32Array;
  private readonly bHi: Uint32Array;
  private readonly bLo: Uint32Array;

  constructor(config: Partial<MinHashConfig> = {}) {
    this.config = Object.freeze({ ...DATATROVE_MINHASH_DEFAULTS, ...config });
    const { nGrams, numBands, hashesPerBand } = this.config;
    for (const [name, v] of Object.entries({ nGrams, numBands, hashesPerBand })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`MinHash ${name} must be a positive integer, got ${v}`);
    }
    this.numHashes = numBands * hashesPerBand;
    const { a, b } = permutationParameters(this.config.seed, this.numHashes);
    const split = (values: bigint[]) => ({
      hi: Uint32Array.from(values, (v) => Number(v >> 32n)),
      lo: Uint32Array.from(values, (v) => Number(v & 0xffffffffn)),
    });
    const sa = split(a);
    const sb = split(b);
    this.aHi = sa.hi;
    this.aLo = sa.lo;
    this.bHi = sb.hi;
    this.bLo = sb.lo;
  }

  /** The signature of a text, or null when it has fewer than nGrams words (datatrove skips those). */
  signature(text: string): MinHashSignature | null {
    const shingles = new Set(shingleStrings(text, this.config.nGrams)); // duplicates cannot change a minimum
    if (shingles.size === 0) return null;
    const n = this.numHashes;
    const minHi = new Uint32Array(n).fill(0xffffffff);
    const minLo = new Uint32Array(n).fill(0xffffffff);
    for (const shingle of shingles) {
      const [xh, xl] = sha1Hash64(shingle);
      for (let k = 0; k < n; k++) {
        const [ph, pl] = mulAddMod64(xh, xl, this.aHi[k], this.aLo[k], this.bHi[k], this.bLo[k]);
        const [h, l] = modMersenne61(ph, pl);
        if (h < minHi[k] || (h === minHi[k] && l < minLo[k])) {
          minHi[k] = h;
          minLo[k] = l;
        }
      }
    }
    const out = new Uint8Array(n * 8);
    const view = new DataView(out.buffer);
    for (let k = 0; k < n; k++) {
      view.setUint32(k * 8, minLo[k], true);
      view.setUint32(k * 8 + 4, minHi[k], true);
    }
    return out;
  }

  /**
   * One store key per band: "b<band>:" + 128 bits of SHA-256 over the band's bytes. Two documents
   * share a key exactly when all hashesPerBand values of that band are equal (up to a 2^-128
   * collision chance), which is datatrove's candidate condition.
   */
  bandKeys(signature: MinHashSignature): string[] {
    const bandBytes = this.config.hashesPerBand * 8;
    if (signature.length !== this.numHashes * 8) {
      throw new RangeError(`signature has ${signature.length} bytes, expected ${this.numHashes * 8}`);
    }
    const keys: string[] = [];
    for (let band = 0; band < this.config.numBands; band++) {
      const slice = signature.subarray(band * bandBytes, (band + 1) * bandBytes);
      const digest = createHash('sha256').update(slice).digest('hex').slice(0, 32);
      keys.push(`b${band}:${digest}`);
    }
    return keys;
  }
}

/** a and b as datatrove draws them: RandomState(seed).randint(1, p, n) then .randint(0, p, n). */
export function permutationParameters(seed: number, numHashes: number): { a: bigint[]; b: bigint[] } {
  const rng = new Mt19937(seed);
  const a = randintUint64(rng, 1n, MERSENNE_61, numHashes);
  const b = randintUint64(rng, 0n, MERSENNE_61, numHashes);
  return { a, b };
}

/** Signature values as bigints (for tests and fixtures). */
export function signatureValues(signature: MinHashSignature): bigint[] {
  const view = new DataView(signature.buffer, signature.byteOffset, signature.byteLength);
  const out: bigint[] = [];
  for (let i = 0; i < signature.byteLength; i += 8) out.push(view.getBigUint64(i, true));
  return out;
}

/** Fraction of equal positions: the MinHash estimate of the shingles' Jaccard similarity. */
export function estimatedJaccard(x: MinHashSignature, y: MinHashSignature): number {
  if (x.length !== y.length || x.length % 8 !== 0) throw new RangeError('signatures differ in length');
  const vx = new DataView(x.buffer, x.byteOffset, x.byteLength);
  const vy = new DataView(y.buffer, y.byteOffset, y.byteLength);
  let equal = 0;
  for (let i = 0; i < x.length; i += 8) {
    if (vx.getUint32(i, true) === vy.getUint32(i, true) && vx.getUint32(i + 4, true) === vy.getUint32(i + 4, true)) equal++;
  }
  return equal / (x.length / 8);
}
