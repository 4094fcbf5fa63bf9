// Fuzz: the evaluator's checkpoint stage (services/evaluator/src/checkpoint-stage.ts), the batch handler
// every checkpoint event goes through, on arbitrary record bytes and on well-formed events with hostile
// contents (NUL and control characters in names and paths, huge or zero steps, odd digests and headers),
// against a real results database. Every record ends as exactly one of: a job recorded (evaluated later,
// outside the batch) or a dead letter carrying its bytes; the handler never throws for bad input, which
// would block its partition (a throw means "retry the batch": only for a database that does not answer).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CheckpointEvent,
  codecFor,
  deadLetterTopic,
  type ConsumedBatch,
  type ConsumedRecord,
  decodeDeadLetter,
} from '@cptflow/platform';
import { openResultsStore, type ResultsStore } from '@cptflow/results';
import { testBackends, type TestDatabase } from '@cptflow/results/testing';
import { CheckpointStage } from '@cptflow/evaluation';
import { fuzzRuns } from './fuzz-settings';

const TOPIC = 'cpt.checkpoints';
const DLQ = deadLetterTopic('evaluator', 'cpt');
const checkpoints = codecFor<CheckpointEvent>(CheckpointEvent);

const hostileText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', ' ', 'cpt', 'r\u0000nul', '\u0000', ' padded ', 'a'.repeat(300), '../../etc/passwd', '/proc/self/mem', 'ünïcödé'),
);
const count = fc.oneof(fc.constantFrom(0, 1, 2 ** 53 - 1), fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => n.toString()));

const wellFormedEvent = fc
  .record({
    run: hostileText,
    step: count,
    tokensSeen: count,
    path: hostileText,
    hfPath: hostileText,
    loss: fc.double(),
    createdAtMs: count,
    isBase: fc.boolean(),
    hfFiles: fc.array(fc.record({ name: hostileText, bytes: count, sha256: fc.oneof(hostileText, fc.stringMatching(/^[0-9a-f]{64}$/)) }, { requiredKeys: [] }), { maxLength: 3 }),
  }, { requiredKeys: [] })
  .map((event) => {
    try {
      return Buffer.from(checkpoints.encode(event as unknown as CheckpointEvent));
    } catch {
      return Buffer.alloc(0);
    }
  });

const recordValue = fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), wellFormedEvent);
const headers = fc.dictionary(fc.oneof(fc.constantFrom('traceparent', 'tracestate'), fc.string({ maxLength: 10 })), hostileText, { maxKeys: 3 });

for (const backend of testBackends()) {
  describe(`the evaluator's checkpoint stage on ${backend.name}, fuzzed`, { skip: backend.skip }, () => {
    let db: TestDatabase;
    let store: ResultsStore;
    let stage: CheckpointStage;
    let nextOffset = 0;

    before(async () => {
      db = await backend.create();
      store = await openResultsStore(db.options);
      // The batch handler only records jobs; evaluating them is the worker's (runJob), which it never calls.
      stage = new CheckpointStage(store.results, undefined as never, store.jobs, { groupId: 'g', checkpointsTopic: TOPIC, evalsTopic: 'cpt.evals', deadLetterPrefix: 'cpt' });
    });

    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('any record bytes: a job recorded or a dead letter with the bytes, never a throw', async () => {
      const seen = { jobs: 0, deadLetters: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(recordValue, headers, fc.option(hostileText, { nil: undefined })), { minLength: 1, maxLength: 6 }), async (items) => {
          const records: ConsumedRecord[] = items.map(([value, h, key]) => ({ topic: TOPIC, partition: 0, offset: String(nextOffset++), key, value, headers: h }));
          const batch: ConsumedBatch = { topic: TOPIC, partition: 0, records };
          const queuedBefore = (await store.jobs.counts()).queued;
          const out = await stage.handle(batch);
          assert.ok(out.every((r) => r.topic === DLQ), 'the handler writes nothing but dead letters');
          const letters = out.map((r) => decodeDeadLetter(r.value));
          for (const letter of letters) {
            const original = records.find((r) => r.offset === letter.offset);
            assert.ok(original, `a dead letter for an offset not in the batch: ${letter.offset}`);
            assert.deepEqual(Buffer.from(letter.original ?? []), original.value, 'the dead letter carries the record as it came');
            assert.ok(letter.error, 'the dead letter says why');
          }
          assert.equal(new Set(letters.map((l) => l.offset)).size, letters.length, 'one dead letter per record at most');
          const queued = (await store.jobs.counts()).queued - queuedBefore;
          assert.equal(queued + letters.length, records.length, 'every record is exactly one job or one dead letter');
          seen.jobs += queued;
          seen.deadLetters += letters.length;
          // A re-delivered batch (a crash before the commit) records nothing twice and dead-letters the same records.
          assert.equal((await stage.handle(batch)).length, letters.length);
          assert.equal((await store.jobs.counts()).queued - queuedBefore, queued);
        }),
        fuzzRuns(backend.name === 'postgres' ? 300 : 1000),
      );
      // Both outcomes were exercised, so the property checked something on each side.
      assert.ok(seen.jobs > 50 && seen.deadLetters > 50, JSON.stringify(seen));
    });
  });
}
