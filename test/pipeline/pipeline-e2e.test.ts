// Issue 2, "what it must show" 1: a salted corpus of real text through ingest -> quality filter -> dedup
// -> packer on a real Kafka broker. Every document is accounted for, the counts balance exactly, near-
// duplicate recall and precision are reported, and the packed sequences decode back to the kept documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, codecFor, deadLetterTopic, Document, DuplicateKind, createBus } from '@cptflow/platform';
import { LocalPipeline } from '@cptflow/local-run';
import { sequenceSegments, DEDUP_STAGE, PACKER_STAGE, QUALITY_STAGE } from '@cptflow/data';
import { saltedCorpus, writeJsonl } from '../support/salted-corpus';
import { readOutcomes } from '../support/pipeline-outcomes';
import { readTopics, uniqueTopics } from '../support/topic-reader';

const brokers = process.env.KAFKA_BROKERS;
const documentCodec = codecFor<Document>(Document);

test('on a real Kafka broker, a salted real-text corpus flows through the four stages and every document is accounted for', { skip: !brokers && 'KAFKA_BROKERS is not set (scripts/run-tests.js starts a broker)', timeout: 240_000 }, async () => {
  await runSaltedCorpus({ kind: 'kafka', brokers: brokers!.split(','), partitions: 3 });
});

test('on the in-process bus, the same salted corpus gives the same accounting', { timeout: 120_000 }, async () => {
  await runSaltedCorpus({ kind: 'memory', partitions: 3 });
});

async function runSaltedCorpus(bus: Record<string, unknown>): Promise<void> {
  const corpus = saltedCorpus({ documents: 160, exactCopies: 12, nearCopies: 16 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-e2e-'));
  const file = path.join(dir, 'salted.jsonl');
  writeJsonl(file, corpus.lines);

  const topics = uniqueTopics(`e2e${Date.now()}`);
  const config = loadConfig({
    env: {},
    overrides: { bus, topics, stages: { packer: { seqLen: 512 } } },
  });
  const transport = createBus(config.bus);
  const pipeline = await LocalPipeline.start({ config, bus: transport, settleTimeoutMs: 180_000 });
  try {
    // Records that are not documents at all, written straight to the raw topic by a careless producer.
    const garbage = [Buffer.from([0x07]), Buffer.from('not protobuf'), documentCodec.encode({ id: 'no-text' })];
    await transport.publish(garbage.map((value, i) => ({ topic: topics.docsRaw, key: `garbage-${i}`, value })));
    pipeline.accounting.counts.ingested += garbage.length;

    await pipeline.ingest({ path: file, corpus: 'domain' });
    const counts = await pipeline.settle();
    const documentLines = corpus.lines.length - corpus.malformedLines;
    assert.equal(counts.ingestDeadLetters, corpus.malformedLines, 'every malformed line is dead-lettered at ingest');
    assert.equal(counts.ingested, documentLines + garbage.length);
    assert.equal(counts.deadLettersByStage[QUALITY_STAGE], garbage.length, 'undecodable records are dead-lettered by the first stage');

    // Read every output and give every document exactly one fate.
    const { fate, rejectionRule, duplicateOf, uniqueText, uniqueOrder, sequences, packed: tokensOf } = await readOutcomes(transport, topics, counts);
    assert.equal(fate.size, documentLines, 'every document read from the file has exactly one fate');

    // Junk is rejected, each rejection naming its rule.
    for (const id of corpus.junkIds) assert.ok(rejectionRule.has(id), `junk ${id} was not rejected (fate: ${fate.get(id)})`);

    // An exact copy and its original are never both kept; when one is kept, the other is its EXACT
    // duplicate. (Both may also be duplicates of a near variant of theirs that arrived first.)
    for (const [copy, original] of corpus.exactCopies) {
      if (rejectionRule.has(original)) continue;
      assert.ok(!(uniqueText.has(copy) && uniqueText.has(original)), `exact copy ${copy} and its original ${original} were both kept`);
      const [kept, other] = uniqueText.has(copy) ? [copy, original] : [original, copy];
      if (uniqueText.has(kept)) {
        const d = duplicateOf.get(other);
        assert.ok(d && d.kind === DuplicateKind.EXACT && d.of === kept, `${other} should be an exact duplicate of ${kept}, got ${JSON.stringify(d)}`);
      }
    }

    // Near duplicates: recall over variants whose original was kept; precision over everything flagged NEAR.
    // An exact copy stands for its original (either may be the one that was kept).
    const canonical = (id: string) => corpus.exactCopies.get(id) ?? id;
    const isSaltedPair = (a: string, b: string) => {
      const variantOf = (id: string) => corpus.nearCopies.get(id);
      return (variantOf(a) !== undefined && canonical(variantOf(a)!) === canonical(b)) || (variantOf(b) !== undefined && canonical(variantOf(b)!) === canonical(a));
    };
    const eligible = [...corpus.nearCopies].filter(([variant, original]) => !rejectionRule.has(original) && !rejectionRule.has(variant));
    // Caught: the variant is a duplicate of its original's cluster, or that cluster's kept member came
    // later and was flagged as a duplicate of the variant.
    const caught = eligible.filter(([variant]) => {
      const d = duplicateOf.get(variant);
      return (d !== undefined && isSaltedPair(variant, d.of)) || [...duplicateOf].some(([id, other]) => other.of === variant && isSaltedPair(variant, id));
    });
    const flaggedNear = [...duplicateOf].filter(([, d]) => d.kind === DuplicateKind.NEAR);
    const falsePositives = flaggedNear.filter(([id, d]) => !isSaltedPair(id, d.of));
    const truePositives = flaggedNear.length - falsePositives.length;
    const recall = caught.length / eligible.length;
    const precision = flaggedNear.length ? truePositives / flaggedNear.length : 1;
    console.log(`near-duplicate recall ${recall.toFixed(3)} (${caught.length}/${eligible.length}), precision ${precision.toFixed(3)} (${truePositives}/${flaggedNear.length})`);
    for (const [id, d] of falsePositives) console.log(`  flagged near duplicate outside the salted pairs: ${id} ~ ${d.of}`);
    assert.ok(eligible.length >= 8, 'enough near-duplicate pairs survived the quality filter to measure');
    assert.ok(recall >= 0.9, `near-duplicate recall ${recall}`);
    assert.ok(precision >= 0.9, `near-duplicate precision ${precision}`);

    // The packed sequences decode back to exactly the kept documents, each whole, in topic order.
    for (const seq of sequences) {
      let previous: { partition: number; offset: bigint } | undefined;
      for (const [docId] of sequenceSegments(seq)) {
        const at = uniqueOrder.get(docId)!;
        if (previous && previous.partition === at.partition) assert.ok(at.offset >= previous.offset, 'documents keep their topic order within a sequence');
        previous = at;
      }
    }
    assert.deepEqual([...tokensOf.keys()].sort(), [...uniqueText.keys()].sort(), 'every kept document is packed, nothing else');
    for (const [id, text] of uniqueText) {
      const decoded = await pipeline.tokenizer.decode(tokensOf.get(id)!, true);
      assert.equal(decoded, text, `document ${id} does not decode back to its text`);
    }
    assert.equal(counts.deadLettersByStage[DEDUP_STAGE] ?? 0, 0);
    assert.equal(counts.deadLettersByStage[PACKER_STAGE] ?? 0, 0);
    const ingestDlq = await readTopics(transport, [deadLetterTopic('ingest', topics.deadLetterPrefix)], corpus.malformedLines);
    assert.equal(ingestDlq.length, corpus.malformedLines);
  } finally {
    await pipeline.stop();
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
