// A port of the two pieces of NumPy's legacy `np.random.RandomState` that datatrove uses to draw
// its MinHash permutation parameters: MT19937 seeded from a 32-bit integer (`init_genrand`), and
// `randint(low, high, dtype=np.uint64)`, which NumPy implements by masked rejection sampling over
// 64-bit draws made of two 32-bit outputs (the first one is the high word).
// Reference: numpy/random/src/mt19937/mt19937.c and numpy/random/src/distributions/distributions.c
// (`random_bounded_uint64_fill`, `bounded_masked_uint64`). Checked against NumPy 2.4 in
// minhash-parameters.test.ts.

const N = 624;
const M = 397;

export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`MT19937 seed must be an integer in [0, 2^32), got ${seed}`);
    }
    this.state[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.state[i - 1] ^ (this.state[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32 (Math.imul keeps the low 32 bits exactly).
      this.state[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
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

  nextUint64(): bigint {
    const hi = BigInt(this.nextUint32());
    const lo = BigInt(this.nextUint32());
    return (hi << 32n) | lo;
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

/** `RandomState.randint(low, high, size=count, dtype=np.uint64)` for a range wider than 32 bits. */
export function randintUint64(rng: Mt19937, low: bigint, high: bigint, count: number): bigint[] {
  const range = high - low - 1n;
  if (range <= 0xffffffffn) {
    // NumPy takes a 32-bit path for narrow ranges; datatrove never needs it (its range is 2^61 - 1).
    throw new RangeError('randintUint64 only implements ranges wider than 32 bits');
  }
  let mask = range;
  for (let shift = 1n; shift <= 32n; shift <<= 1n) mask |= mask >> shift;
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    let value: bigint;
    do value = rng.nextUint64() & mask;
    while (value > range);
    out.push(low + value);
  }
  return out;
}
