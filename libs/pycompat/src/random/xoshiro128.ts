// A small, fast, seedable PRNG whose whole state is four 32-bit words, so it can be saved in a
// checkpoint manifest and resumed exactly. Algorithm: xoshiro128** 1.1 (Blackman & Vigna,
// https://prng.di.unimi.it/), seeded through SplitMix32-style mixing of a seed and a stream label.

export interface RngState {
  readonly algorithm: 'xoshiro128**';
  readonly s: readonly [number, number, number, number];
}

const TWO_POW_32 = 4294967296;

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(s: readonly number[]) {
    [this.s0, this.s1, this.s2, this.s3] = s.map((x) => x >>> 0);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) throw new RangeError('xoshiro128** state must not be all zero');
  }

  /**
   * A generator for (seed, stream). Different streams give independent sequences, so e.g. each
   * parameter tensor can be initialised from its name regardless of the order tensors are visited.
   */
  static fromSeed(seed: number, stream = ''): Xoshiro128 {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    let x = hashString(stream) ^ (seed >>> 0) ^ Math.floor(seed / TWO_POW_32);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      words.push(mix32(x ^ Math.imul(i + 1, 0x85ebca6b)));
    }
    if (!words.some((w) => w !== 0)) words[0] = 1;
    return new Xoshiro128(words);
  }

  static fromState(state: RngState): Xoshiro128 {
    if (state.algorithm !== 'xoshiro128**' || state.s.length !== 4) {
      throw new RangeError(`not a xoshiro128** state: ${JSON.stringify(state)}`);
    }
    return new Xoshiro128(state.s);
  }

  getState(): RngState {
    return { algorithm: 'xoshiro128**', s: [this.s0, this.s1, this.s2, this.s3] };
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`nextInt needs a positive integer bound, got ${n}`);
    return Math.floor(this.nextFloat() * n);
  }

  /** Fill `out` with N(mean, std^2) samples (Box-Muller, two samples per pair of uniforms). */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    for (let i = 0; i < out.length; i += 2) {
      const u1 = 1 - this.nextFloat(); // (0, 1]: log stays finite
      const u2 = this.nextFloat();
      const radius = Math.sqrt(-2 * Math.log(u1));
      out[i] = mean + std * radius * Math.cos(2 * Math.PI * u2);
      if (i + 1 < out.length) out[i + 1] = mean + std * radius * Math.sin(2 * Math.PI * u2);
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units: a stable 32-bit label for a stream name. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A seeded stream of uniform numbers in [0, 1), for code that wants a plain `random()` function. */
export function seededUniform(seed: number, stream = ''): () => number {
  const rng = Xoshiro128.fromSeed(seed, stream);
  return () => rng.nextFloat();
}
