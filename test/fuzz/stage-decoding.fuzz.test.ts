// Fuzz: protobuf decoding on every stage. Arbitrary bytes, and well-formed messages with arbitrary
// contents, go into the quality-filter, dedup and packer stages, the trainer's sequence decoder and the
// evaluator's checkpoint-event codec. A stage never throws for bad input (that would block its
// partition): every record has an outcome, and an undecodable one is a dead letter carrying its bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  topicsSchema,
  CheckpointEvent,
  codecFor,
  ContractError,
  deadLetterTopic,
  Document,
  PackedSequence,
  decodeDeadLetter,
  type ConsumedBatch,
  MemoryBus,
} from '@cptflow/platform';
import {
  MemorySignatureStore,
  DocumentTokenizer,
  createDedupStage,
  createPackerStage,
  createQualityStage,
} from '@cptflow/data';
import { rowFromRecord, SequenceRejected } from '@cptflow/training';
import { fuzzRuns } from './fuzz-settings';

const topics = topicsSchema.parse({});
const documents = codecFor<Document>(Document);
const sequences = codecFor<PackedSequence>(PackedSequence);
const checkpoints = codecFor<CheckpointEvent>(CheckpointEvent);

const documentValue = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc
    .record({
      id: fc.string({ maxLength: 40 }),
      text: fc.oneof(fc.string({ maxLength: 400 }), fc.lorem({ maxCount: 80 })),
      source: fc.string({ maxLength: 20 }),
      corpus: fc.constantFrom('domain', 'replay', '', 'x'),
      metadata: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    })
    .map((d) => documents.encode(d)),
);

function batchOf(topic: string, values: Buffer[]): ConsumedBatch {
  return { topic, partition: 0, records: values.map((value, i) => ({ topic, partition: 0, offset: String(i), key: `k${i}`, value, headers: {} })) };
}

const tokenizer = DocumentTokenizer.load();
const stages = [
  { stage: createQualityStage({ topics }), input: topics.docsRaw, dlq: deadLetterTopic('quality-filter', topics.deadLetterPrefix) },
  { stage: createDedupStage({ topics, store: new MemorySignatureStore() }), input: topics.docsFiltered, dlq: deadLetterTopic('dedup', topics.deadLetterPrefix) },
  { stage: createPackerStage({ topics, tokenizer, seqLen: 64, strategy: 'concat', bus: new MemoryBus({ defaultPartitions: 1 }) }), input: topics.docsUnique, dlq: deadLetterTopic('packer', topics.deadLetterPrefix) },
];

test('quality-filter, dedup and packer: any record values give outputs, never a throw; undecodable ones are dead letters', async () => {
  for (const { stage, input, dlq } of stages) {
    assert.equal(stage.inputTopics[0], input);
    await fc.assert(
      fc.asyncProperty(fc.array(documentValue, { minLength: 1, maxLength: 8 }), async (values) => {
        const out = await stage.handle(batchOf(input, values));
        const letters = out.filter((r) => r.topic === dlq).map((r) => decodeDeadLetter(r.value));
        for (const [i, value] of values.entries()) {
          let decodable = true;
          try {
            documents.decode(value);
          } catch {
            decodable = false;
          }
          if (!decodable) {
            const letter = letters.find((l) => l.offset === String(i));
            assert.ok(letter, `${stage.name}: undecodable record ${i} has no dead letter`);
            assert.deepEqual(Buffer.from(letter.original ?? []), value);
          }
        }
      }),
      fuzzRuns(stage.name === 'packer' ? 500 : 1500),
    );
  }
});

test("the trainer's sequence decoder: a training row or a SequenceRejected naming the rule, for any bytes or message", () => {
  const rules = { tokenizerId: tokenizer.tokenizerId, vocabSize: 32_000, seqLen: 64 };
  const message = fc
    .record({
      id: fc.string({ maxLength: 10 }),
      tokenizerId: fc.constantFrom(tokenizer.tokenizerId, '', 'other'),
      seqLen: fc.integer({ min: -5, max: 200 }),
      numTokens: fc.integer({ min: -5, max: 200 }),
      padId: fc.integer({ min: 0, max: 70_000 }),
      tokenWidth: fc.constantFrom(0, 1, 2, 4, 3, 8),
      tokens: fc.uint8Array({ maxLength: 600 }),
      docStarts: fc.array(fc.integer({ min: -3, max: 100 }), { maxLength: 5 }),
    })
    .map((m) => {
      try {
        return sequences.encode(m as unknown as PackedSequence);
      } catch {
        return Buffer.alloc(0);
      }
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)), message), (value) => {
      try {
        const row = rowFromRecord(value, rules);
        assert.equal(row.tokens.length, rules.seqLen);
        assert.ok(row.tokens.every((t) => Number.isInteger(t) && t >= 0 && t < rules.vocabSize));
      } catch (error) {
        assert.ok(error instanceof SequenceRejected, `not a SequenceRejected: ${(error as Error)?.stack ?? String(error)}`);
      }
    }),
    fuzzRuns(5000),
  );
});

test("the evaluator's checkpoint events: any bytes decode to an event or a ContractError (which it dead-letters)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      try {
        checkpoints.decode(bytes);
      } catch (error) {
        assert.ok(error instanceof ContractError, `not a ContractError: ${(error as Error)?.stack ?? String(error)}`);
      }
    }),
    fuzzRuns(5000),
  );
});
