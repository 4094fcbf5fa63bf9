import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PythonRandom, pyCapitalize } from './python-compat';
import { pyLen, pyRstrip, pyStrip } from './text/python-text';

describe('PythonRandom', () => {
  // expected values printed by CPython 3.11: random.Random(seed).getrandbits / .sample
  it('seeds MT19937 from an int like CPython (init_by_array over 32-bit words)', () => {
    const r = new PythonRandom(0);
    assert.equal(r.getrandbits(32), 3626764237);
    assert.equal(r.getrandbits(32), 1654615998);
    assert.equal(new PythonRandom(2n ** 40n + 5n).getrandbits(32), 2166296868);
  });

  it('sample() follows CPython for small pools (swap path), consuming one stream', () => {
    const r = new PythonRandom(1234);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    assert.deepEqual(r.sample(range(10), 3), [7, 1, 0]);
    assert.deepEqual(r.sample(range(10), 3), [1, 0, 9]);
    assert.deepEqual(r.sample(range(4), 3), [0, 1, 3]);
  });

  it('sample() follows CPython for large pools (set path)', () => {
    const r = new PythonRandom(1234);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    assert.deepEqual(r.sample(range(100), 5), [99, 56, 14, 0, 11]);
    assert.deepEqual(r.sample(range(1000), 7), [932, 965, 961, 826, 596, 35, 687]);
    assert.deepEqual(r.sample(range(5000), 30).slice(0, 8), [687, 806, 2905, 1939, 142, 252, 129, 2835]);
  });

  it('refuses a sample larger than the population, like Python', () => {
    assert.throws(() => new PythonRandom(1).sample([1, 2], 3), /larger than population/);
  });
});

describe('Python string semantics', () => {
  it('len() counts code points: an astral emoji is one character', () => {
    assert.equal(pyLen('fire 🔥'), 6);
    assert.equal('fire 🔥'.length, 7);
  });

  it('strip() removes Python whitespace (incl. \\x1c and NBSP) but not zero-width space', () => {
    assert.equal(pyStrip('\x1c\u00a0 a b \n\t'), 'a b');
    assert.equal(pyStrip('\u200ba'), '\u200ba');
    assert.equal(pyRstrip('  x  \n'), '  x');
  });

  it('capitalize() upper-cases the first character and lower-cases the rest', () => {
    assert.equal(pyCapitalize('then the Child'), 'Then the child');
    assert.equal(pyCapitalize(''), '');
  });
});
