// Training steps and stage accounting against real databases: SQLite always, PostgreSQL when
// DATABASE_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openResultsStore, ResultsError, type ResultsStore, type StageAccountingRecord, type TrainingStepRecord } from './index';
import { testBackends, type TestDatabase } from './testing/test-databases';

function step(run: string, n: number, loss = 3 - n / 1000): TrainingStepRecord {
  return { run, step: n, tokensSeen: n * 2048, loss, lr: 1e-3, gradNorm: 0.5, tokensPerSecond: 1500, atMs: 1_764_000_000_000 + n };
}

function report(instance: string, atMs: number, recordsIn: number, lag: number | null = 0): StageAccountingRecord {
  return { stage: 'quality-filter', instance, atMs, recordsIn, recordsOut: recordsIn - 2, rejected: 2, rejectedByRule: { 'gopher_quality/gopher_short_doc': 2 }, duplicates: 0, deadLetters: 0, lag };
}

for (const backend of testBackends()) {
  describe(`dashboard telemetry on ${backend.name}`, { skip: backend.skip }, () => {
    let db: TestDatabase;
    let store: ResultsStore;

    before(async () => {
      db = await backend.create();
      store = await openResultsStore({ ...db.options, retention: { maxStepsPerRun: 64, accountingMaxAgeMs: 60_000 } });
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('stores steps by (run, step): a re-sent batch changes nothing, and the curve reads back by step', async () => {
      const batch = [3, 1, 2].map((n) => step('idem', n));
      await store.telemetry.recordSteps(batch);
      await store.telemetry.recordSteps(batch);
      const curve = await store.telemetry.trainingCurve('idem');
      assert.deepEqual(curve.points.map((p) => [p.step, p.tokensSeen, p.loss]), [[1, 2048, 2.999], [2, 4096, 2.998], [3, 6144, 2.997]]);
      assert.deepEqual(await store.telemetry.runsWithMetrics(), ['idem']);
    });

    it('keeps a long run bounded: thinned evenly to at most maxStepsPerRun, first and newest steps kept', async () => {
      for (let from = 1; from <= 1000; from += 100) await store.telemetry.recordSteps(Array.from({ length: 100 }, (_, i) => step('long', from + i)));
      const { points } = await store.telemetry.trainingCurve('long');
      assert.ok(points.length <= 64 && points.length >= 32, `${points.length} points kept`);
      assert.equal(points.at(-1)!.step, 1000, 'the newest step stays');
      const gaps = new Set(points.slice(0, -1).map((p, i) => points[i + 1]!.step - p.step).slice(0, -1));
      assert.equal(gaps.size, 1, `evenly spaced: gaps ${[...gaps]}`);
    });

    it('sums the newest report of every stage process; an older re-delivery does not win; silent processes expire', async () => {
      const now = Date.now();
      await store.telemetry.recordAccounting([report('a', now - 10, 100, 7), report('b', now - 5, 50, 3)], now);
      await store.telemetry.recordAccounting([report('a', now - 20, 90, 9)], now);
      const [totals] = await store.telemetry.accounting();
      assert.equal(totals!.instances, 2);
      assert.equal(totals!.recordsIn, 150);
      assert.deepEqual(totals!.rejectedByRule, { 'gopher_quality/gopher_short_doc': 4 });
      assert.equal(totals!.lag, 3, 'lag from the latest report');
      await store.telemetry.recordAccounting([report('c', now + 120_000, 3)], now + 120_000);
      assert.equal((await store.telemetry.accounting())[0]!.instances, 1, 'processes silent for over a minute are forgotten');
    });

    it('says what is wrong with bad input, with the one results error type', async () => {
      await assert.rejects(store.telemetry.trainingCurve('no-such-run'), (e: unknown) => e instanceof ResultsError && e.kind === 'notFound');
      await assert.rejects(store.telemetry.recordSteps([{ ...step('x', 1), step: -1 }]), (e: unknown) => e instanceof ResultsError && e.kind === 'invalid' && /step must be a non-negative integer/.test(e.message));
      await assert.rejects(store.telemetry.recordAccounting([{ ...report('a', 1, 1), stage: 'Bad Stage' }]), /stage name "Bad Stage"/);
    });
  });
}
