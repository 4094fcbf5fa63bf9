import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

import { CorpusName, corpusPath, isHeldOut, loadCorpus } from './index';

const names: CorpusName[] = ['general', 'domain'];

test('both corpora and their held-out parts are present', () => {
  for (const name of names) {
    assert.ok(existsSync(corpusPath(name, 'train')), corpusPath(name, 'train'));
    assert.ok(existsSync(corpusPath(name, 'heldout')), corpusPath(name, 'heldout'));
  }
});

test('held-out documents never appear in training, and the split follows the id hash', () => {
  const allIds = new Set<string>();
  for (const name of names) {
    const train = loadCorpus(name, 'train');
    const heldout = loadCorpus(name, 'heldout');
    assert.ok(train.length >= 1000, `${name}: ${train.length} training documents`);
    assert.ok(heldout.length >= 100, `${name}: ${heldout.length} held-out documents`);
    for (const d of train) assert.equal(isHeldOut(d.id), false, d.id);
    for (const d of heldout) assert.equal(isHeldOut(d.id), true, d.id);
    const trainTexts = new Set(train.map((d) => d.text));
    for (const d of heldout) assert.ok(!trainTexts.has(d.text), `held-out text also in training: ${d.id}`);
    for (const d of [...train, ...heldout]) {
      assert.ok(!allIds.has(d.id), `duplicate id ${d.id}`);
      allIds.add(d.id);
      assert.equal(typeof d.text, 'string');
      const words = d.text.split(/\s+/).filter(Boolean).length;
      assert.ok(words >= 50 && words <= 5000, `${d.id}: ${words} words`);
    }
  }
});
