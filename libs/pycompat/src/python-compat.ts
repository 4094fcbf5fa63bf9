// Python string and random semantics that lm-evaluation-harness relies on, reproduced exactly:
// its prompts are Jinja/Python expressions, its acc_norm divides by Python's len(), and its few-shot
// examples come from random.Random(seed).sample.
import { Mt19937 } from './random';

/** str.capitalize(): first character upper-cased, every other character lower-cased. */
export function pyCapitalize(text: string): string {
  const chars = Array.from(text);
  if (chars.length === 0) return text;
  return chars[0].toUpperCase() + chars.slice(1).join('').toLowerCase();
}

export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Python's random.Random: MT19937 seeded the way CPython seeds it from an int (init_by_array over the
 * 32-bit words of abs(seed)), with getrandbits/_randbelow/sample as in CPython 3.11's Lib/random.py.
 */
export class PythonRandom {
  private readonly mt: Mt19937;

  constructor(seed: number | bigint) {
    let value = BigInt(seed);
    if (value < 0n) value = -value;
    const key: number[] = [];
    do {
      key.push(Number(value & 0xffffffffn));
      value >>= 32n;
    } while (value > 0n);
    this.mt = Mt19937.fromKey(key);
  }

  nextUint32(): number {
    return this.mt.nextUint32();
  }

  /** getrandbits(k) for 0 <= k <= 32 (populations here are far below 2^32). */
  getrandbits(k: number): number {
    if (k < 0 || k > 32) throw new RangeError(`getrandbits supports 0..32 bits, got ${k}`);
    if (k === 0) return 0;
    return this.nextUint32() >>> (32 - k);
  }

  randbelow(n: number): number {
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  sample<T>(population: readonly T[], k: number): T[] {
    const n = population.length;
    if (k < 0 || k > n) throw new RangeError(`Sample larger than population or is negative (k=${k}, n=${n})`);
    const result: T[] = new Array(k);
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setsize) {
      const pool = population.slice();
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j];
        pool[j] = pool[n - i - 1];
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = population[j];
      }
    }
    return result;
  }
}
