// The two pieces of NumPy's legacy `np.random.RandomState` that datatrove uses to draw its MinHash
// permutation parameters: MT19937 seeded from a 32-bit integer (libs/pycompat/src/random's `Mt19937.fromUint32`), and
// `randint(low, high, dtype=np.uint64)`, which NumPy implements by masked rejection sampling over
// 64-bit draws made of two 32-bit outputs (the first one is the high word).
// Reference: numpy/random/src/mt19937/mt19937.c and numpy/random/src/distributions/distributions.c
// (`random_bounded_uint64_fill`, `bounded_masked_uint64`). Checked against NumPy 2.4 in
// minhash-parity.test.ts ("permutation parameters equal numpy RandomState(1) draws").

import { Mt19937 } from '@cptflow/pycompat';

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
