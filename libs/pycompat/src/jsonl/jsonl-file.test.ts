// What a crash mid-write or a careless copy leaves in a JSONL(.gz) file: each is a JsonlFileError naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { JsonlFileError, readJsonLines } from './jsonl-file';

test('a cut-short or fake .gz and invalid UTF-8 are JsonlFileErrors naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-jsonl-'));
  try {
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ text: `line ${i} `.repeat(8) })).join('\n');
    const gz = gzipSync(lines);
    const files: Record<string, Buffer> = {
      'cut.jsonl.gz': gz.subarray(0, gz.length >> 1),
      'plain.jsonl.gz': Buffer.from(lines),
      'latin1.jsonl': Buffer.from('{"text": "na\xefve"}\n', 'latin1'),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      assert.throws(() => readJsonLines(file), (e: unknown) => e instanceof JsonlFileError && e.message.startsWith(`${file}: `), name);
    }
    assert.throws(() => readJsonLines(path.join(dir, 'cut.jsonl.gz')), /cut\.jsonl\.gz: not a readable gzip file/);
    assert.throws(() => readJsonLines(path.join(dir, 'latin1.jsonl')), /latin1\.jsonl: not valid UTF-8/);
    fs.writeFileSync(path.join(dir, 'ok.jsonl.gz'), gz);
    assert.equal(readJsonLines(path.join(dir, 'ok.jsonl.gz')).length, 200);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
