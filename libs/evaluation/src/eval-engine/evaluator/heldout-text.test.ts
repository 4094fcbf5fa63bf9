import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { HeldoutDataError, readHeldoutTexts } from './heldout-text';

test('reads the text field of JSONL and JSONL.gz files, up to maxDocuments', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-heldout-'));
  try {
    const lines = ['{"text": "one"}', '', '{"id": 2, "text": "two é"}', '{"text": "three"}'].join('\n');
    fs.writeFileSync(path.join(dir, 'a.jsonl'), lines);
    fs.writeFileSync(path.join(dir, 'a.jsonl.gz'), gzipSync(lines));
    assert.deepEqual(await readHeldoutTexts(path.join(dir, 'a.jsonl')), ['one', 'two é', 'three']);
    assert.deepEqual(await readHeldoutTexts(path.join(dir, 'a.jsonl.gz'), 2), ['one', 'two é']);
    fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"text": "ok"}\n{"body": "no text"}\n');
    await assert.rejects(readHeldoutTexts(path.join(dir, 'bad.jsonl')), (e: Error) => e instanceof HeldoutDataError && /bad\.jsonl:2: expected a string column "text"/.test(e.message));
    await assert.rejects(readHeldoutTexts(path.join(dir, 'missing.jsonl')), /missing\.jsonl: cannot read \(ENOENT\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the repository held-out corpora read', async () => {
  let root = __dirname;
  while (!fs.existsSync(path.join(root, 'data', 'corpora'))) root = path.dirname(root);
  const texts = await readHeldoutTexts(path.join(root, 'data', 'corpora', 'general.heldout.jsonl.gz'), 5);
  assert.equal(texts.length, 5);
  assert.ok(texts.every((t) => t.length > 50));
});
