import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLines } from './line-splitter';

async function* chunksOf(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function lines(text: string, chunkSize: number, maxLine = 1000, keep = 4) {
  const out = [];
  for await (const line of splitLines(chunksOf(text, chunkSize), maxLine, keep)) out.push(line);
  return out;
}

test('lines cut across chunk boundaries (down to one byte per chunk) come out whole, CRLF stripped', async () => {
  const text = 'alpha\r\nbéta\n\ngamma without newline';
  for (const size of [1, 2, 3, 7, 1000]) {
    const got = await lines(text, size);
    assert.deepEqual(
      got.map((l) => l.bytes.toString('utf8')),
      ['alpha', 'béta', '', 'gamma without newline'],
      `chunk size ${size}`,
    );
    assert.deepEqual(got.map((l) => l.number), [1, 2, 3, 4]);
  }
});

test('a line over the budget keeps only a prefix but reports its full length, and the next line is intact', async () => {
  const long = 'x'.repeat(50);
  const got = await lines(`short\n${long}\nafter\n`, 3, 20, 4);
  assert.equal(got.length, 3);
  assert.equal(got[1]!.oversize, true);
  assert.equal(got[1]!.length, 50);
  assert.equal(got[1]!.bytes.toString(), 'xxxx');
  assert.equal(got[2]!.bytes.toString(), 'after');
  assert.equal(got[2]!.oversize, false);
});
