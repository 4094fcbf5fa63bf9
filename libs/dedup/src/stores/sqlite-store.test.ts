import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteSignatureStore } from './sqlite-store';
import { runStoreContract } from './store-contract.testutil';

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
