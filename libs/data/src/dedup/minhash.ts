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
import { createHash, hash } from 'node:crypto';
import { Mt19937, splitWords } from '@cptflow/pycompat';
import { randintUint64 } from './numpy-random-state';
import { simplifyText } from './text-normalization';

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
  // One-shot crypto.hash (Node >= 20.12): about twice as fast as createHash().update().digest() for
  // strings this short, and dedup hashes every shingle of every document.
  const digest = hash('sha1', shingle, 'buffer');
  return [digest.readUInt32LE(4), digest.readUInt32LE(0)];
}

/** Space-joined word n-grams of the simplified text, as datatrove's get_shingles builds them. */
export function shingleStrings(text: string, nGrams: number): string[] {
  const words = splitWords(simplifyText(text));
  const out: string[] = [];
  for (let i = 0; i + nGrams <= words.length; i++) out.push(words.slice(i, i + nGrams).join(' '));
  return out;
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
    const minHi = new Uint32Array(n);
    const minLo = new Uint32Array(n);
    // Shingle hashes first, then one pass per permutation with its parameters in locals: this
    // loop is the hot spot of dedup. All intermediate values stay below 2^53, so plain doubles
    // and 32-bit integer ops compute the uint64 arithmetic exactly.
    const count = shingles.size;
    const xHi = new Uint32Array(count);
    const xLo = new Uint32Array(count);
    let s = 0;
    for (const shingle of shingles) {
      const [h, l] = sha1Hash64(shingle);
      xHi[s] = h;
      xLo[s++] = l;
    }
    for (let k = 0; k < n; k++) {
      const ah = this.aHi[k];
      const al = this.aLo[k];
      const a0 = al & 0xffff;
      const a1 = al >>> 16;
      const bh = this.bHi[k];
      const bl = this.bLo[k];
      let minH = 0xffffffff;
      let minL = 0xffffffff;
      for (let i = 0; i < count; i++) {
        const xh = xHi[i];
        const xl = xLo[i];
        const x0 = xl & 0xffff;
        const x1 = xl >>> 16;
        // (x * a + b) mod 2^64: full product of the low words from 16-bit partial products ...
        const p01 = x0 * a1;
        const p10 = x1 * a0;
        let lo = x0 * a0 + (p01 & 0xffff) * 65536 + (p10 & 0xffff) * 65536 + bl; // < 2^34
        const carry = Math.floor(lo / TWO_32);
        lo -= carry * TWO_32;
        // ... the cross terms only reach the high word, whose overflow falls off the end.
        const hi = (x1 * a1 + (p01 >>> 16) + (p10 >>> 16) + carry + bh + Math.imul(xh, al) + Math.imul(xl, ah)) >>> 0;
        // mod 2^61 - 1: fold the top 3 bits onto the rest (2^61 = 1 mod p), then subtract p once if needed.
        let h = hi & 0x1fffffff;
        let l = lo + (hi >>> 29);
        if (l >= TWO_32) {
          l -= TWO_32;
          h += 1;
        }
        if (h > 0x1fffffff || (h === 0x1fffffff && l >= 0xffffffff)) {
          l += 1;
          if (l >= TWO_32) {
            l -= TWO_32;
            h += 1;
          }
          h -= 0x20000000;
        }
        if (h < minH || (h === minH && l < minL)) {
          minH = h;
          minL = l;
        }
      }
      minHi[k] = minH;
      minLo[k] = minL;
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
  const rng = Mt19937.fromUint32(seed);
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
