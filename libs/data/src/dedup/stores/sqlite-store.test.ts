import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteSignatureStore } from './sqlite-store';
import { Worker } from 'node:worker_threads';
import type { DedupVerdict } from '../deduplicator';
import { runStoreContract, saltedCorpus } from './store-contract.testutil';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-dedup-sqlite-'));
const file = path.join(dir, 'dedup.sqlite');

// Every handle is its own connection to one real database file.
runStoreContract({
  name: 'sqlite',
  open: async () => new SqliteSignatureStore(file),
  cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
});

test('sqlite: state survives closing and reopening the file; namespaces are separate', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-dedup-sqlite-'));
  const f = path.join(tmp, 'd.sqlite');
  try {
    const a = new SqliteSignatureStore(f);
    await a.claim({ docId: 'A', keys: ['k'], signature: new Uint8Array(8).fill(9) });
    await a.close();
    const b = new SqliteSignatureStore(f);
    assert.deepEqual(await b.claim({ docId: 'B', keys: ['k'], signature: null }), { claimed: false, owners: ['A'] });
    assert.deepEqual((await b.signatures(['A'])).get('A'), new Uint8Array(8).fill(9));
    const other = new SqliteSignatureStore(f, { namespace: 'other_run' });
    assert.equal((await other.claim({ docId: 'B', keys: ['k'], signature: null })).claimed, true);
    await b.close();
    await other.close();
    assert.throws(() => new SqliteSignatureStore(f, { namespace: 'x; DROP TABLE y' }), /namespace/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('sqlite: three consumer threads with their own connections to one file keep exactly one per group', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-dedup-sqlite-'));
  try {
    const f = path.join(tmp, 'shared.sqlite');
    await new SqliteSignatureStore(f).close(); // create the schema before the race
    const { docs, groupOf } = saltedCorpus();
    const parts = [0, 1, 2].map((w) => docs.filter((_, i) => i % 3 === w));
    const results = await Promise.all(
      parts.map(
        (part) =>
          new Promise<Array<[string, DedupVerdict]>>((resolve, reject) => {
            const worker = new Worker(path.join(__dirname, 'sqlite-worker.testutil.js'), { workerData: { file: f, docs: part } });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    const verdicts = new Map(results.flat());
    assert.equal(verdicts.size, docs.length);
    const keptPerGroup = new Map<string, number>();
    for (const [id, v] of verdicts) if (v.kind === 'unique') keptPerGroup.set(groupOf.get(id)!, (keptPerGroup.get(groupOf.get(id)!) ?? 0) + 1);
    assert.equal(keptPerGroup.size, docs.length / 3);
    for (const [group, n] of keptPerGroup) assert.equal(n, 1, group);
    for (const [id, v] of verdicts) {
      if (v.kind !== 'unique') assert.equal(verdicts.get(v.duplicateOf)?.kind, 'unique', `${id} points at a kept document`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
