// MT19937, the Mersenne Twister that both NumPy's legacy RandomState and CPython's random.Random
// are built on (Matsumoto & Nishimura 1998; reference code mt19937ar.c). The two differ only in how
// they seed it: NumPy's RandomState(int) calls init_genrand(seed), CPython's Random(int) calls
// init_by_array over the 32-bit words of abs(seed). Both seedings are here; the callers
// (libs/data/src/dedup's MinHash parameters, libs/evaluation/src/eval's few-shot sampler) add their library's draws on top.

const N = 624;
const M = 397;

export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  private constructor() {}

  /** init_genrand(seed): NumPy's `RandomState(seed)` for a 32-bit integer seed. */
  static fromUint32(seed: number): Mt19937 {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`MT19937 seed must be an integer in [0, 2^32), got ${seed}`);
    }
    const rng = new Mt19937();
    rng.initGenrand(seed);
    return rng;
  }

  /** init_by_array(key): CPython's `random.Random(seed)` with key = the 32-bit words of abs(seed), low word first. */
  static fromKey(key: readonly number[]): Mt19937 {
    if (key.length === 0) throw new RangeError('MT19937 init_by_array needs at least one key word');
    const rng = new Mt19937();
    rng.initByArray(key);
    return rng;
  }

  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Two outputs as one 64-bit value, the first one the high word (NumPy's 64-bit draw). */
  nextUint64(): bigint {
    const hi = BigInt(this.nextUint32());
    const lo = BigInt(this.nextUint32());
    return (hi << 32n) | lo;
  }

  private initGenrand(seed: number): void {
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32 (Math.imul keeps the low 32 bits exactly).
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.state;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.index = N;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      let next = mt[(i + M) % N] ^ (y >>> 1);
      if (y & 1) next ^= 0x9908b0df;
      mt[i] = next >>> 0;
    }
    this.index = 0;
  }
}
