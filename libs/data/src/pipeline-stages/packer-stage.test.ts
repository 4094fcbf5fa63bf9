// The packer carries its open sequence from batch to batch, with the state committed beside the
// batch's outputs: only the stream's end (an idle flush) pads, and a batch that is handled again
// (failed commit, redelivery, another packer after a crash) gives the same sequences.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  topicsSchema,
  codecFor,
  Document,
  PackedSequence,
  type ConsumedBatch,
  type ConsumedRecord,
  type OutgoingRecord,
  MemoryBus,
  deadLetterTopic,
  decodeDeadLetter,
} from '@cptflow/platform';
import { DocumentTokenizer, fromPackedSequenceMessage, unpackDocuments } from '../packing';
import { documentCodec } from './document-batch';
import { createPackerStage, PACKER_FLUSH_HEADER } from './packer-stage';

const topics = topicsSchema.parse({});
const sequenceCodec = codecFor<PackedSequence>(PackedSequence);
const tokenizer = DocumentTokenizer.load();
const SEQ_LEN = 64;

const docs: Document[] = Array.from({ length: 40 }, (_, i) => ({
  id: `doc-${i}`,
  text: `Document ${i} says ${'something different each time '.repeat(1 + (i % 5))}and ends here.`,
  corpus: i % 4 === 3 ? 'replay' : 'domain',
}));

function recordsAt(from: number, values: Array<{ value: Buffer; headers?: Record<string, string> }>): ConsumedRecord[] {
  return values.map((v, i) => ({ topic: topics.docsUnique, partition: 0, offset: String(from + i), value: v.value, headers: v.headers ?? {} }));
}
const docBatch = (from: number, to: number): ConsumedBatch => ({ topic: topics.docsUnique, partition: 0, records: recordsAt(from, docs.slice(from, to).map((d) => ({ value: documentCodec.encode(d) }))) });
const flushRequest = (offset: number, after: number): ConsumedBatch => ({
  topic: topics.docsUnique,
  partition: 0,
  records: recordsAt(offset, [{ value: Buffer.alloc(0), headers: { [PACKER_FLUSH_HEADER]: String(after) } }]),
});
const sequencesOf = (out: OutgoingRecord[]) => out.filter((r) => r.topic === topics.seqsPacked || r.topic === topics.seqsReplay).map((r) => fromPackedSequenceMessage(sequenceCodec.decode(r.value)));

async function expectedDocuments(): Promise<Map<string, number[]>> {
  const ids = await tokenizer.encodeBatch(docs.map((d) => d.text!));
  return new Map(docs.map((d, i) => [d.id!, [...ids[i]!]]));
}

function assertEachDocumentOnce(sequences: ReturnType<typeof sequencesOf>, expected: Map<string, number[]>): void {
  const unpacked = unpackDocuments(sequences);
  assert.equal(unpacked.length, expected.size);
  for (const d of unpacked) assert.deepEqual([...d.tokens], expected.get(d.id), d.id);
}

describe('packer stage: the open sequence carries across batches', () => {
  it('pads only at the flush, and a re-handled or restarted batch gives the same sequences', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    const commit = (out: OutgoingRecord[]) => bus.publish(out); // what the transaction would make visible
    const options = { topics, tokenizer, seqLen: SEQ_LEN, strategy: 'concat' as const, bus, idleFlushMs: 60_000 };
    const first = createPackerStage(options);
    const a = await first.handle(docBatch(0, 7));
    await commit(a);
    const b1 = await first.handle(docBatch(7, 15)); // its commit fails: nothing of it becomes visible
    const b2 = await first.handle(docBatch(7, 15)); // redelivered to the same packer
    assert.deepEqual(b2.map((r) => r.value), b1.map((r) => r.value), 'a redelivered batch is packed from the committed state');
    await commit(b2);
    await first.close!();
    // The packer is killed; another one takes the partition and reads the committed state.
    const second = createPackerStage(options);
    const c = await second.handle(docBatch(15, 40));
    await commit(c);
    const early = await second.handle(flushRequest(40, 30)); // void: documents up to 40 arrived after it was made
    const flushed = await second.handle(flushRequest(41, 41));
    await second.close!();

    assert.equal(sequencesOf(early).length, 0);
    const sequences = [...a, ...b2, ...c, ...flushed].flatMap((r) => sequencesOf([r]));
    const padded = sequences.filter((s) => s.numTokens < SEQ_LEN);
    assert.deepEqual(padded.map((s) => s.id), sequencesOf(flushed).map((s) => s.id), 'only the flushed sequences are padded');
    assert.ok(sequencesOf(flushed).length >= 1 && sequencesOf(flushed).length <= 2, 'one open sequence per corpus');
    assertEachDocumentOnce(sequences, await expectedDocuments());
    // Sequences never mix corpora.
    for (const s of sequences) assert.equal(new Set(s.docIds.map((id) => docs.find((d) => d.id === id)!.corpus)).size, 1);
  });

  it('skips what the committed state says was packed when handed a group offset older than the state', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    const options = { topics, tokenizer, seqLen: SEQ_LEN, strategy: 'concat' as const, bus, idleFlushMs: 60_000 };
    const first = createPackerStage(options);
    const a = await first.handle(docBatch(0, 12));
    await bus.publish(a);
    await first.close!();
    // Another packer takes the partition and fetched the group offset before the commit above was
    // stable: it is handed records 5.. again, of which 5..11 are already in the committed state.
    const second = createPackerStage(options);
    const b = await second.handle(docBatch(5, 20));
    await bus.publish(b);
    const flushed = await second.handle(flushRequest(20, 20));
    await second.close!();
    const sequences = [...a, ...b, ...flushed].flatMap((r) => sequencesOf([r]));
    const expected = await expectedDocuments();
    assertEachDocumentOnce(sequences, new Map([...expected].slice(0, 20)));
  });

  it('reads the committed state again only after a rebalance: within one assignment a gap of offsets keeps the carried copy', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    let reads = 0;
    const counted = { ensureStateTopic: (t: string) => bus.ensureStateTopic(t), readState: (t: string, k: string) => (reads++, bus.readState(t, k)), publish: (r: OutgoingRecord[]) => bus.publish(r) };
    const stage = createPackerStage({ topics, tokenizer, seqLen: SEQ_LEN, strategy: 'concat', bus: counted, idleFlushMs: 60_000 });
    const partition = [{ topic: topics.docsUnique, partition: 0 }];
    // On Kafka every transaction leaves a marker offset no reader is given: batches start one past the end.
    const gapBatch = (at: number, from: number, to: number): ConsumedBatch => ({ topic: topics.docsUnique, partition: 0, records: recordsAt(at, docs.slice(from, to).map((d) => ({ value: documentCodec.encode(d) }))) });
    const out: OutgoingRecord[] = [];
    const handle = async (batch: ConsumedBatch) => {
      const records = await stage.handle(batch);
      await bus.publish(records);
      out.push(...records);
    };
    stage.partitionsAssigned!(partition);
    await handle(gapBatch(0, 0, 5));
    const afterFirst = reads;
    assert.ok(afterFirst >= 1, 'the first batch of an assignment reads the committed state');
    await handle(gapBatch(6, 5, 10));
    assert.equal(reads, afterFirst, 'the next batch after a gap uses the carried copy');
    stage.partitionsAssigned!(partition); // a rebalance: another packer may have had the partition meanwhile
    await handle(gapBatch(12, 10, 15));
    assert.equal(reads, afterFirst + 1, 'after a rebalance the committed state is read again');
    await handle(flushRequest(18, 17));
    await stage.close!();
    const expected = await expectedDocuments();
    assertEachDocumentOnce(sequencesOf(out), new Map([...expected].slice(0, 15)));
  });

  it('a packer given the partition of one that died holding an open sequence flushes it, though no input follows', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    await bus.ensureTopics([topics.docsUnique, topics.seqsPacked, topics.seqsReplay], 1);
    const host = (stage: ReturnType<typeof createPackerStage>) =>
      bus.consume({ groupId: stage.groupId, topics: stage.inputTopics, handler: stage.handle, onAssigned: stage.partitionsAssigned, maxBatchRecords: 5 });
    // The first packer would wait a minute before flushing; it dies long before that.
    const doomed = createPackerStage({ topics, tokenizer, seqLen: SEQ_LEN, strategy: 'concat', bus, idleFlushMs: 60_000 });
    const doomedSub = await host(doomed);
    await bus.publish(docs.map((d) => ({ topic: topics.docsUnique, key: d.id!, value: documentCodec.encode(d) })));
    const expected = await expectedDocuments();
    const sequences: ReturnType<typeof sequencesOf> = [];
    const reader = await bus.consume({
      groupId: 'test.reader',
      topics: [topics.seqsPacked, topics.seqsReplay],
      handler: async (batch) => (sequences.push(...sequencesOf(batch.records)), []),
    });
    const lag = () => bus.consumerLag(doomed.groupId, doomed.inputTopics);
    for (const deadline = Date.now() + 10_000; (await lag()) > 0; ) {
      assert.ok(Date.now() < deadline, 'the first packer consumes everything');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(doomed.holdsOpenSequences(), 'the stream ends inside an open sequence');
    await doomedSub.stop();
    await doomed.close!();
    const heir = createPackerStage({ topics, tokenizer, seqLen: SEQ_LEN, strategy: 'concat', bus, idleFlushMs: 100 });
    const heirSub = await host(heir);
    const totalTokens = [...expected.values()].reduce((n, t) => n + t.length, 0);
    for (const deadline = Date.now() + 10_000; sequences.reduce((n, s) => n + s.numTokens, 0) < totalTokens; ) {
      assert.ok(Date.now() < deadline, 'the heir flushes the open sequences it took over');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300)); // a doubled sequence would show
    await Promise.all([heirSub.stop(), reader.stop()]);
    await heir.close!();
    assertEachDocumentOnce(sequences, expected);
  });

  it('a flush request whose header is not an offset is dead-lettered with the reason; the documents around it are packed', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    const stage = createPackerStage({ topics, tokenizer, seqLen: SEQ_LEN, strategy: 'concat', bus, idleFlushMs: 60_000 });
    const batch: ConsumedBatch = {
      topic: topics.docsUnique,
      partition: 0,
      records: recordsAt(0, [
        ...docs.slice(0, 3).map((d) => ({ value: documentCodec.encode(d) })),
        { value: Buffer.alloc(0), headers: { [PACKER_FLUSH_HEADER]: 'soon' } },
        ...docs.slice(3, 6).map((d) => ({ value: documentCodec.encode(d) })),
      ]),
    };
    const out = await stage.handle(batch);
    await stage.close!();
    const letters = out.filter((r) => r.topic === deadLetterTopic('packer', topics.deadLetterPrefix)).map((r) => decodeDeadLetter(r.value));
    assert.equal(letters.length, 1);
    assert.equal(letters[0].offset, '3');
    assert.match(letters[0].error ?? '', /flush request header "cptflow-packer-flush" is "soon", not an input offset/);
    assert.equal(stage.counters.documents, 6, 'every document of the batch is packed');
  });

  it('on the bus: batches of 3 documents, an idle flush at the end, every document exactly once and one padded sequence per corpus', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    const stage = createPackerStage({ topics, tokenizer, seqLen: SEQ_LEN, strategy: 'concat', bus, idleFlushMs: 100 });
    await bus.ensureTopics([topics.docsUnique, topics.seqsPacked, topics.seqsReplay], 1);
    const sub = await bus.consume({ groupId: stage.groupId, topics: stage.inputTopics, handler: stage.handle, maxBatchRecords: 3 });
    await bus.publish(docs.map((d) => ({ topic: topics.docsUnique, key: d.id!, value: documentCodec.encode(d) })));
    const expected = await expectedDocuments();
    const totalTokens = [...expected.values()].reduce((n, t) => n + t.length, 0);
    const sequences: ReturnType<typeof sequencesOf> = [];
    const reader = await bus.consume({
      groupId: 'test.reader',
      topics: [topics.seqsPacked, topics.seqsReplay],
      handler: async (batch) => {
        sequences.push(...batch.records.map((r) => fromPackedSequenceMessage(sequenceCodec.decode(r.value))));
        return [];
      },
    });
    const deadline = Date.now() + 10_000;
    while (sequences.reduce((n, s) => n + s.numTokens, 0) < totalTokens) {
      assert.ok(Date.now() < deadline, 'the idle flush emits the open sequences');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300)); // a doubled sequence would show
    await Promise.all([sub.stop(), reader.stop()]);
    await stage.close!();
    assertEachDocumentOnce(sequences, expected);
    assert.equal(sequences.filter((s) => s.numTokens < SEQ_LEN).length, 2, 'one padded sequence per corpus, at the end');
  });
});
