// The results store against real databases: SQLite always, PostgreSQL when DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BASE, openResultsStore, ResultsError, RESULTS_MIGRATIONS, type ResultsStore, type TaskResultRecord } from './index';
import { testBackends, type TestDatabase } from './testing/test-databases';

const settings = { numFewshot: 0, limit: null, harnessVersion: '0.4.9', taskVersion: '1.0' };

function result(task: string, metric: string, value: number, stderr: number | null, n = 4): TaskResultRecord {
  return { task, metric, value, stderr, n, settings };
}

function countRows(store: ResultsStore, table: string): Promise<number> {
  return store.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`).then((rows: Array<{ n: number | string }>) => Number(rows[0].n));
}

for (const backend of testBackends()) {
  describe(`results store on ${backend.name}`, { skip: backend.skip }, () => {
    let db: TestDatabase;
    let store: ResultsStore;

    before(async () => {
      db = await backend.create();
      store = await openResultsStore(db.options);
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('applies the migrations to an empty database, and the entities match the migrated schema', async () => {
      const runner = store.dataSource.createQueryRunner();
      try {
        for (const table of ['runs', 'checkpoints', 'task_results', 'sample_results', 'evaluation_jobs', 'training_steps', 'stage_accounting']) {
          assert.equal(await runner.hasTable(table), true, `table ${table} exists`);
        }
      } finally {
        await runner.release();
      }
      assert.equal(await countRows(store, 'results_migrations'), RESULTS_MIGRATIONS.length);
      // What `synchronize` would still change: nothing, or the entities and the migration disagree.
      const pending = await store.dataSource.driver.createSchemaBuilder().log();
      assert.deepEqual(pending.upQueries.map((q) => q.query), []);
      // Opening again applies nothing twice.
      const again = await openResultsStore(db.options);
      await again.close();
      assert.equal(await countRows(store, 'results_migrations'), RESULTS_MIGRATIONS.length);
    });

    it('lets replicas that start at the same time migrate once', { skip: backend.name === 'sqlite' ? 'one SQLite file has one writer process' : false }, async () => {
      const fresh = await backend.create();
      try {
        const stores = await Promise.all([openResultsStore(fresh.options), openResultsStore(fresh.options), openResultsStore(fresh.options)]);
        assert.equal(await countRows(stores[0], 'results_migrations'), RESULTS_MIGRATIONS.length);
        await Promise.all(stores.map((s) => s.close()));
      } finally {
        await fresh.drop();
      }
    });

    it('upserts a re-delivered checkpoint into the same row, keeping when it was first stored', async () => {
      const first = await store.results.recordCheckpoint({ run: 'idem', step: 100, tokensSeen: 5_000_000_000, path: '/ckpt/100', isBase: false, createdAtMs: 1_000 });
      const again = await store.results.recordCheckpoint({ run: 'idem', step: 100, tokensSeen: 5_000_000_000, path: '/ckpt/100-moved', hfPath: '/hf/100', loss: 2.5, isBase: false, createdAtMs: 9_999 });
      assert.equal(again.id, first.id);
      assert.equal(again.path, '/ckpt/100-moved');
      assert.equal(again.hfPath, '/hf/100');
      assert.equal(again.loss, 2.5);
      assert.equal(again.tokensSeen, 5_000_000_000, 'token counts above 2^32 survive the round trip as numbers');
      assert.equal(again.createdAt, new Date(1_000).toISOString());
      const page = await store.results.listCheckpoints('idem');
      assert.equal(page.total, 1);
    });

    it('upserts task results by (checkpoint, task, metric) and replaces their samples', async () => {
      const ckpt = await store.results.recordCheckpoint({ run: 'idem', step: 200, tokensSeen: 10, path: '/ckpt/200', isBase: false });
      const samples = [
        { docIndex: 0, predicted: 1, gold: 1, correct: true, logprobs: [-3.5, -1.25] },
        { docIndex: 1, predicted: 0, gold: 1, correct: false, logprobs: [-0.5, Number.NEGATIVE_INFINITY] },
      ];
      const saved1 = await store.results.recordResults(ckpt.id, [{ ...result('arc_easy', 'acc', 0.5, 0.5, 2), samples }]);
      const saved2 = await store.results.recordResults(ckpt.id, [
        { ...result('arc_easy', 'acc', 1, 0, 2), samples: samples.map((s) => ({ ...s, predicted: 1, correct: true })) },
      ]);
      assert.equal(saved2[0].id, saved1[0].id, 'the re-run updates the same row');
      const { results } = await store.results.resultsOf(ckpt.id);
      assert.equal(results.length, 1);
      assert.equal(results[0].value, 1);
      assert.deepEqual(results[0].settings, settings);
      const stored = await store.results.samplesOf(ckpt.id, 'arc_easy', 'acc');
      assert.equal(stored.total, 2);
      assert.deepEqual(stored.items.map((s) => s.predicted), [1, 1]);
      assert.deepEqual(stored.items[1].logprobs, [-0.5, Number.NEGATIVE_INFINITY], '-Infinity is stored as null and read back');
      // A re-run without samples keeps the stored ones.
      await store.results.recordResults(ckpt.id, [result('arc_easy', 'acc', 1, 0, 2)]);
      assert.equal((await store.results.samplesOf(ckpt.id, 'arc_easy', 'acc')).total, 2);
      assert.equal(await countRows(store, 'sample_results'), 2);
    });

    it('stays idempotent when the same checkpoint and results arrive concurrently', async () => {
      const record = { run: 'race', step: 1, tokensSeen: 100, path: '/race/1', isBase: false };
      const views = await Promise.all(Array.from({ length: 8 }, () => store.results.recordCheckpoint(record)));
      assert.equal(new Set(views.map((v) => v.id)).size, 1);
      const samples = [{ docIndex: 0, predicted: 0, gold: 0, correct: true, logprobs: [-1, -2] }];
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.results.recordResults(views[0].id, [{ ...result('piqa', 'acc', i / 8, 0.1), samples }])));
      const { results } = await store.results.resultsOf(views[0].id);
      assert.equal(results.length, 1);
      assert.equal((await store.results.samplesOf(views[0].id, 'piqa', 'acc')).total, 1);
      assert.equal((await store.results.listCheckpoints('race')).total, 1);
    });

    it('stores many samples in chunks', async () => {
      const ckpt = await store.results.recordCheckpoint({ run: 'idem', step: 300, tokensSeen: 20, path: '/ckpt/300', isBase: false });
      const samples = Array.from({ length: 1234 }, (_, i) => ({ docIndex: i, predicted: i % 4, gold: 0, correct: i % 4 === 0, logprobs: [-1, -2, -3, -4] }));
      await store.results.recordResults(ckpt.id, [{ ...result('hellaswag', 'acc_norm', 0.25, 0.01, 1234), samples }]);
      const page = await store.results.samplesOf(ckpt.id, 'hellaswag', 'acc_norm', 3, 500);
      assert.equal(page.total, 1234);
      assert.deepEqual(page.items.map((s) => s.docIndex), Array.from({ length: 234 }, (_, i) => 1000 + i));
    });

    describe('queries', () => {
      const ids: Record<string, number> = {};

      before(async () => {
        const { results } = store;
        const base = await results.recordCheckpoint({ run: 'cpt-a', step: 0, tokensSeen: 0, path: '/a/0', isBase: true });
        // Inserted out of order on purpose: lists and trends must order by step / tokens seen.
        const late = await results.recordCheckpoint({ run: 'cpt-a', step: 2000, tokensSeen: 800_000, path: '/a/2000', isBase: false });
        const early = await results.recordCheckpoint({ run: 'cpt-a', step: 1000, tokensSeen: 400_000, path: '/a/1000', isBase: false });
        const other = await results.recordCheckpoint({ run: 'cpt-b', step: 5, tokensSeen: 50, path: '/b/5', isBase: false });
        Object.assign(ids, { base: base.id, early: early.id, late: late.id, other: other.id });
        await results.recordResults(base.id, [result('mmlu', 'acc', 0.25, 0.03), result('boolq', 'acc', 0.6, 0.04), result('piqa', 'acc', 0.55, 0.02)]);
        await results.recordResults(early.id, [result('mmlu', 'acc', 0.3, 0.04), result('boolq', 'acc', 0.55, 0.03)]);
        await results.recordResults(late.id, [result('mmlu', 'acc', 0.33, 0.04), result('boolq', 'acc', 0.5, 0.03), result('winogrande', 'acc', 0.5, 0.05)]);
      });

      it('lists runs with their checkpoint counts, base and latest step, paginated with a total', async () => {
        const all = await store.results.listRuns(1, 50);
        const a = all.items.find((r) => r.name === 'cpt-a');
        assert.ok(a);
        assert.deepEqual({ ...a, createdAt: undefined }, { name: 'cpt-a', checkpointCount: 3, baseCheckpointId: ids.base, latestStep: 2000, latestTokensSeen: 800_000, createdAt: undefined });
        assert.equal(all.items.find((r) => r.name === 'cpt-b')?.baseCheckpointId, null);
        const names = all.items.map((r) => r.name);
        assert.deepEqual(names, [...names].sort());
        const second = await store.results.listRuns(2, 1);
        assert.equal(second.total, all.total);
        assert.deepEqual(second.items.map((r) => r.name), [names[1]]);
      });

      it('lists a run\'s checkpoints by step, one page at a time', async () => {
        const first = await store.results.listCheckpoints('cpt-a', 1, 2);
        assert.equal(first.total, 3);
        assert.deepEqual(first.items.map((c) => c.step), [0, 1000]);
        assert.equal(first.items[0].isBase, true);
        const second = await store.results.listCheckpoints('cpt-a', 2, 2);
        assert.deepEqual(second.items.map((c) => [c.id, c.step, c.tokensSeen, c.path]), [[ids.late, 2000, 800_000, '/a/2000']]);
        const beyond = await store.results.listCheckpoints('cpt-a', 5, 2);
        assert.deepEqual(beyond.items, []);
        assert.equal(beyond.total, 3);
      });

      it('returns the results of a checkpoint as stored', async () => {
        const got = await store.results.resultsOf(ids.late);
        assert.equal(got.checkpoint.step, 2000);
        assert.deepEqual(
          got.results.map((r) => [r.task, r.metric, r.value, r.stderr, r.n]),
          [['boolq', 'acc', 0.5, 0.03, 4], ['mmlu', 'acc', 0.33, 0.04, 4], ['winogrande', 'acc', 0.5, 0.05, 4]],
        );
      });

      it('compares a checkpoint with its run\'s base: deltas with combined stderr, unpaired tasks listed', async () => {
        const cmp = await store.results.compare(BASE, ids.late);
        assert.equal(cmp.baseline.id, ids.base);
        assert.deepEqual(cmp.deltas.map((d) => d.task), ['boolq', 'mmlu']);
        const mmlu = cmp.deltas.find((d) => d.task === 'mmlu')!;
        assert.ok(Math.abs(mmlu.delta - 0.08) < 1e-12);
        assert.ok(Math.abs(mmlu.stderr! - 0.05) < 1e-12, 'sqrt(0.03^2 + 0.04^2) = 0.05');
        assert.ok(Math.abs(mmlu.z! - 1.6) < 1e-9);
        assert.deepEqual(cmp.onlyInBaseline, [{ task: 'piqa', metric: 'acc' }]);
        assert.deepEqual(cmp.onlyInCheckpoint, [{ task: 'winogrande', metric: 'acc' }]);
      });

      it('compares two checkpoints by id', async () => {
        const cmp = await store.results.compare(ids.early, ids.late);
        const boolq = cmp.deltas.find((d) => d.task === 'boolq')!;
        assert.ok(Math.abs(boolq.delta - -0.05) < 1e-12);
        assert.ok(Math.abs(boolq.stderr! - Math.sqrt(0.03 ** 2 * 2)) < 1e-12);
      });

      it('returns a task\'s trend over tokens seen', async () => {
        const trend = await store.results.trend('cpt-a', 'mmlu', 'acc');
        assert.deepEqual(
          trend.points.map((p) => [p.checkpointId, p.tokensSeen, p.value, p.isBase]),
          [[ids.base, 0, 0.25, true], [ids.early, 400_000, 0.3, false], [ids.late, 800_000, 0.33, false]],
        );
        assert.deepEqual((await store.results.trend('cpt-a', 'hellaswag', 'acc')).points, []);
      });

      it('says what is missing or malformed with the one results error type', async () => {
        await assert.rejects(store.results.resultsOf(999_999), (e: unknown) => e instanceof ResultsError && e.kind === 'notFound' && /checkpoint 999999/.test(e.message));
        await assert.rejects(store.results.compare(BASE, ids.other), (e: unknown) => e instanceof ResultsError && e.kind === 'notFound' && /cpt-b has no base/.test(e.message));
        await assert.rejects(store.results.listCheckpoints('no-such-run'), (e: unknown) => e instanceof ResultsError && e.kind === 'notFound');
        await assert.rejects(store.results.samplesOf(ids.late, 'piqa', 'acc'), (e: unknown) => e instanceof ResultsError && e.kind === 'notFound');
        await assert.rejects(store.results.recordResults(ids.late, [result('mmlu', 'acc', Number.NaN, 0.1)]), /value must be a finite number/);
        await assert.rejects(store.results.recordResults(ids.late, [result('mmlu', 'acc', 0.1, 0.1), result('mmlu', 'acc', 0.2, 0.1)]), /appears twice/);
        await assert.rejects(store.results.recordCheckpoint({ run: 'x', step: -1, tokensSeen: 0, path: '/p', isBase: false }), /step must be a non-negative integer/);
        await assert.rejects(store.results.listRuns(0, 10), /page must be an integer from 1 to/);
      });
    });

    it('cascades: deleting a run removes its checkpoints, results and samples', async () => {
      const before = await countRows(store, 'sample_results');
      assert.ok(before > 0);
      await store.dataSource.query(`DELETE FROM runs WHERE name IN ('idem', 'race')`);
      assert.equal(await countRows(store, 'sample_results'), 0);
      assert.equal((await store.results.listRuns()).items.some((r) => r.name === 'idem'), false);
    });

    it('evaluation jobs: one per key, leased when claimed, claimed again when the lease runs out, retried, buried', async () => {
      const jobs = store.jobs;
      const first = await jobs.enqueue({ key: 'cpt.checkpoints/0/41', kind: 'checkpoint-event', payload: { n: 1 } }, 1_000);
      const again = await jobs.enqueue({ key: 'cpt.checkpoints/0/41', kind: 'checkpoint-event', payload: { n: 2 } }, 1_001);
      assert.equal(again.id, first.id, 'a re-delivered record makes no second job');
      assert.deepEqual(again.payload, { n: 1 });
      const claimed = await jobs.claim(100, 2_000);
      assert.deepEqual([claimed?.id, claimed?.state, claimed?.attempts], [first.id, 'running', 1]);
      assert.equal(await jobs.claim(100, 2_050), null, 'leased');
      await jobs.renew(first.id, 100, 2_080);
      assert.equal(await jobs.claim(100, 2_150), null, 'the renewed lease holds');
      assert.equal((await jobs.claim(100, 2_200))?.attempts, 2, 'a lapsed lease: claimed again');
      await jobs.retry(first.id, 'database away', 5_000, 2_300);
      assert.equal(await jobs.claim(100, 4_999), null, 'not before its backoff');
      assert.equal((await jobs.claim(100, 5_000))?.attempts, 3);
      await jobs.bury(first.id, 'poison', 5_100);
      assert.equal(await jobs.claim(100, 99_999), null, 'dead jobs stay dead');
      const dead = await jobs.find(first.id);
      assert.deepEqual([dead?.state, dead?.error, dead?.attempts], ['dead', 'poison', 3]);
      const request = await jobs.enqueue({ kind: 'request', payload: { request: { checkpointId: 1 } } });
      await jobs.complete((await jobs.claim(100))!.id, [{ checkpointId: 1 }]);
      assert.deepEqual((await jobs.find(request.id))?.outcome, [{ checkpointId: 1 }]);
      assert.equal(await jobs.find('00000000-0000-4000-8000-000000000000'), null);
      // Two workers racing for one job: exactly one gets it.
      const contested = await jobs.enqueue({ kind: 'request', payload: {} });
      const winners = (await Promise.all([jobs.claim(1_000), jobs.claim(1_000), jobs.claim(1_000)])).filter((j) => j?.id === contested.id);
      assert.equal(winners.length, 1);
    });

    it('reverts the migrations back to an empty database', async () => {
      for (let i = 0; i < RESULTS_MIGRATIONS.length; i++) await store.dataSource.undoLastMigration({ transaction: 'each' });
      const runner = store.dataSource.createQueryRunner();
      try {
        assert.equal(await runner.hasTable('runs'), false);
        assert.equal(await runner.hasTable('sample_results'), false);
        assert.equal(await runner.hasTable('training_steps'), false);
      } finally {
        await runner.release();
      }
    });
  });
}
