// The behaviour every SignatureStore must have, run against each implementation by its own test
// file (memory, SQLite, PostgreSQL, Redis). `open` returns a fresh handle on the SAME shared state
// each time it is called (a new connection / new instance on one file or server), so the
// multi-consumer tests exercise real concurrency between handles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deduplicator, type DedupVerdict } from '../deduplicator';
import type { SignatureStore } from '../signature-store';
import { changeWords, licenceDocuments, seededRandom } from '../real-text.testutil';

export interface StoreFactory {
  name: string;
  open(): Promise<SignatureStore>;
  /** Removes all state; called once after the suite. */
  cleanup(): Promise<void>;
  skip?: string | false;
}

function sig(fill: number): Uint8Array {
  return new Uint8Array(112 * 8).fill(fill);
}

/** A salted corpus: originals, exact copies (whitespace changed) and near copies (2 words changed). */
export function saltedCorpus(): { docs: Array<{ id: string; text: string }>; groupOf: Map<string, string> } {
  const originals = licenceDocuments(200, 6);
  const random = seededRandom(7);
  const docs: Array<{ id: string; text: string }> = [];
  const groupOf = new Map<string, string>();
  for (const o of originals) {
    docs.push(o);
    groupOf.set(o.id, o.id);
    const exact = { id: `${o.id}/exact`, text: `  ${o.text.replace(/ /g, '\n')} ` };
    const near = { id: `${o.id}/near`, text: changeWords(o.text, 2, random) };
    docs.push(exact, near);
    groupOf.set(exact.id, o.id);
    groupOf.set(near.id, o.id);
  }
  // Interleave so that copies are not next to their original.
  const shuffled = docs.map((d, i) => ({ d, k: (i * 7919) % docs.length })).sort((x, y) => x.k - y.k).map((x) => x.d);
  return { docs: shuffled, groupOf };
}

export function runStoreContract(factory: StoreFactory): void {
  const opts = { skip: factory.skip ?? false };
  const handles: SignatureStore[] = [];
  const open = async () => {
    const s = await factory.open();
    handles.push(s);
    return s;
  };
  const finish = async () => {
    for (const h of handles.splice(0)) await h.close();
  };

  test(`${factory.name}: first claim owns all keys, a later overlapping claim writes nothing`, opts, async () => {
    const store = await open();
    const first = await store.claim({ docId: 'A', keys: ['k1', 'k2', 'k3'], signature: sig(1) });
    assert.deepEqual(first, { claimed: true, owners: ['A', 'A', 'A'] });
    const second = await store.claim({ docId: 'B', keys: ['k3', 'k4'], signature: sig(2) });
    assert.equal(second.claimed, false);
    assert.deepEqual(second.owners, ['A', null]);
    // k4 was not taken by B: a third document can own it.
    const third = await store.claim({ docId: 'C', keys: ['k4'], signature: null });
    assert.deepEqual(third, { claimed: true, owners: ['C'] });
    const sigs = await store.signatures(['A', 'B', 'C', 'missing']);
    assert.deepEqual([...sigs.keys()].sort(), ['A']);
    assert.deepEqual(sigs.get('A'), sig(1));
  });

  test(`${factory.name}: re-delivery of the same document is recognised as itself`, opts, async () => {
    const store = await open();
    assert.equal((await store.claim({ docId: 'R', keys: ['r1', 'r2'], signature: sig(3) })).claimed, true);
    assert.deepEqual(await store.claim({ docId: 'R', keys: ['r1', 'r2'], signature: sig(3) }), { claimed: true, owners: ['R', 'R'] });
    // A second handle (another consumer) sees the same.
    const other = await open();
    assert.deepEqual(await other.claim({ docId: 'R', keys: ['r1', 'r2'], signature: sig(3) }), { claimed: true, owners: ['R', 'R'] });
    assert.deepEqual(await other.claim({ docId: 'S', keys: ['r2'], signature: sig(4) }), { claimed: false, owners: ['R'] });
  });

  test(`${factory.name}: claimMany applies claims in order, each atomically`, opts, async () => {
    const store = await open();
    const results = await store.claimMany([
      { docId: 'M1', keys: ['m:a', 'm:b'], signature: sig(5) },
      { docId: 'M2', keys: ['m:b', 'm:c'], signature: sig(6) },
      { docId: 'M3', keys: ['m:c'], signature: null },
      { docId: 'M1', keys: ['m:a', 'm:b'], signature: sig(5) },
    ]);
    assert.deepEqual(results, [
      { claimed: true, owners: ['M1', 'M1'] },
      { claimed: false, owners: ['M1', null] },
      { claimed: true, owners: ['M3'] },
      { claimed: true, owners: ['M1', 'M1'] },
    ]);
    assert.deepEqual(await store.claimMany([]), []);
  });

  test(`${factory.name}: concurrent claims of the same keys have exactly one winner`, opts, async () => {
    const stores = [await open(), await open(), await open()];
    for (let round = 0; round < 5; round++) {
      const keys = [`race${round}:a`, `race${round}:b`, `race${round}:c`];
      const results = await Promise.all(
        stores.flatMap((s, i) => [0, 1].map((j) => s.claim({ docId: `D${round}-${i}-${j}`, keys: j ? [...keys].reverse() : keys, signature: sig(i) }))),
      );
      const winners = results.filter((r) => r.claimed);
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
      const owner = winners[0].owners[0];
      for (const r of results.filter((x) => !x.claimed)) assert.ok(r.owners.every((o) => o === owner), JSON.stringify(r));
    }
  });

  test(`${factory.name}: 1 and 3 consumers sharing the store give the same verdicts on a salted corpus`, opts, async () => {
    const { docs, groupOf } = saltedCorpus();
    const summarise = (verdicts: Map<string, DedupVerdict>) => {
      const kept = new Set<string>();
      for (const [id, v] of verdicts) if (v.kind === 'unique') kept.add(groupOf.get(id)!);
      const uniqueCount = [...verdicts.values()].filter((v) => v.kind === 'unique').length;
      // Every duplicate points at the kept member of its own group.
      for (const [id, v] of verdicts) {
        if (v.kind !== 'unique') {
          assert.equal(groupOf.get(v.duplicateOf), groupOf.get(id), `${id} -> ${v.duplicateOf}`);
          assert.equal(verdicts.get(v.duplicateOf)?.kind, 'unique');
        }
      }
      return { uniqueCount, kept: [...kept].sort() };
    };
    // One consumer, in stream order, on a private memory store.
    const { MemorySignatureStore } = await import('./memory-store');
    const single = new Deduplicator(new MemorySignatureStore());
    const one = new Map<string, DedupVerdict>();
    for (const d of docs) one.set(d.id, await single.check(d));
    // Three consumers on the store under test, each taking every third document, concurrently,
    // in batches of 8 (checkAll -> claimMany); then the whole stream re-delivered one by one to a
    // different consumer (at-least-once delivery).
    const consumers = [await open(), await open(), await open()].map((s) => new Deduplicator(s));
    const three = new Map<string, DedupVerdict>();
    await Promise.all(
      consumers.map(async (c, i) => {
        const mine = docs.filter((_, j) => j % 3 === i);
        for (let k = 0; k < mine.length; k += 8) {
          const batch = mine.slice(k, k + 8);
          (await c.checkAll(batch)).forEach((v, n) => three.set(batch[n].id, v));
        }
      }),
    );
    const expected = summarise(one);
    assert.deepEqual(summarise(three), expected);
    assert.equal(expected.uniqueCount, docs.length / 3);
    for (const [k, d] of docs.entries()) {
      const again = await consumers[(k + 1) % 3].check(d);
      assert.deepEqual(again, three.get(d.id), `re-delivery of ${d.id}`);
    }
  });

  test(`${factory.name}: cleanup`, opts, async () => {
    await finish();
    await factory.cleanup();
  });
}
