// Padding share of the packer: what fraction of the tokens in packed sequences is padding, at input
// batches of 20, 500 and 5,000 documents, for the packer stage as it is (open sequences carried across
// batches, padded only when a partition goes idle) and as it was (every batch packed on its own and its
// open sequences padded at the batch's end, simulated with the same packer on the same batches).
//
//   npm run build && node dist/bench/packing.js [--batches 20,500,5000] [--seq-lens 256,2048] [--partitions 6]
//        [--out bench/results/packing.json]
//
// Input: the bundled corpora (data/corpora: 1,424 Python documentation sections as domain text and
// 1,742 Austen/KJV passages as replay text, 3,166 documents), put on docs.unique keyed by document id
// as dedup writes them, over `--partitions` partitions (the configuration's default, 6). The stage runs
// on the in-process bus (the same semantics as Kafka: state committed with the batch), with the LLaMA-2
// tokenizer and concat packing; it finishes when every token is packed, which includes the idle flush
// of the last open sequence of each (partition, corpus): that flush is the only padding left, and it does
// not depend on the batch size.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { topicsSchema, codecFor, Document, PackedSequence, MemoryBus, partitionForKey } from '@cptflow/platform';
import { loadCorpus, createPacker, DocumentTokenizer, createPackerStage, REPLAY_CORPUS } from '@cptflow/data';

const documentCodec = codecFor<Document>(Document);
const sequenceCodec = codecFor<PackedSequence>(PackedSequence);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const numbers = (text: string) => text.split(',').map(Number);

interface Share {
  sequences: number;
  paddedSequences: number;
  tokens: number;
  paddingTokens: number;
  /** paddingTokens / (sequences x seqLen). */
  paddingShare: number;
}

const share = (seqLen: number, numTokens: number[]): Share => {
  const tokens = numTokens.reduce((a, b) => a + b, 0);
  const paddingTokens = numTokens.length * seqLen - tokens;
  return { sequences: numTokens.length, paddedSequences: numTokens.filter((n) => n < seqLen).length, tokens, paddingTokens, paddingShare: paddingTokens / (numTokens.length * seqLen) };
};

const documents: Document[] = [
  ...loadCorpus('domain').map((d) => ({ id: d.id, text: d.text, corpus: 'domain' })),
  ...loadCorpus('general').map((d) => ({ id: d.id, text: d.text, corpus: REPLAY_CORPUS })),
];

/** The packer stage as it is, on the bus: carried state, idle flush at the end. */
async function carried(tokenizer: DocumentTokenizer, seqLen: number, batch: number, partitions: number, totalTokens: number): Promise<Share> {
  const topics = topicsSchema.parse({});
  const bus = new MemoryBus({ defaultPartitions: partitions, maxBatchRecords: batch });
  const stage = createPackerStage({ topics, tokenizer, seqLen, strategy: 'concat', bus, idleFlushMs: 300 });
  await bus.ensureTopics([topics.docsUnique, topics.seqsPacked, topics.seqsReplay], partitions);
  const numTokens: number[] = [];
  const reader = await bus.consume({
    groupId: 'bench.reader',
    topics: [topics.seqsPacked, topics.seqsReplay],
    handler: async (b) => {
      for (const r of b.records) numTokens.push(sequenceCodec.decode(r.value).numTokens ?? 0);
      return [];
    },
  });
  const packer = await bus.consume({ groupId: stage.groupId, topics: stage.inputTopics, handler: stage.handle, maxBatchRecords: batch });
  await bus.publish(documents.map((d) => ({ topic: topics.docsUnique, key: d.id!, value: documentCodec.encode(d) })));
  const deadline = Date.now() + 10 * 60_000;
  while (numTokens.reduce((a, b) => a + b, 0) < totalTokens) {
    if (Date.now() > deadline) throw new Error('the packer did not pack every token');
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
  await Promise.all([packer.stop(), reader.stop()]);
  await stage.close!();
  return share(seqLen, numTokens);
}

/** The packer as it was: each batch of a partition packed on its own, its open sequences padded at its end. */
function perBatch(ids: Map<string, Uint32Array>, padId: number, seqLen: number, batch: number, partitions: number): Share {
  const byPartition = Array.from({ length: partitions }, () => [] as Document[]);
  for (const d of documents) byPartition[partitionForKey(d.id!, partitions)]!.push(d);
  const numTokens: number[] = [];
  for (const list of byPartition) {
    for (let at = 0; at < list.length; at += batch) {
      for (const corpus of ['domain', REPLAY_CORPUS]) {
        const packer = createPacker({ strategy: 'concat', seqLen, padId });
        const docs = list.slice(at, at + batch).filter((d) => d.corpus === corpus).map((d) => ({ id: d.id!, tokens: ids.get(d.id!)! }));
        for (const seq of [...packer.push(docs), ...packer.flush()]) numTokens.push(seq.numTokens);
      }
    }
  }
  return share(seqLen, numTokens);
}

async function main(): Promise<void> {
  const batches = numbers(arg('batches', '20,500,5000'));
  const seqLens = numbers(arg('seq-lens', '256,2048'));
  const partitions = Number(arg('partitions', '6'));
  const out = arg('out', path.join('bench', 'results', 'packing.json'));
  const tokenizer = DocumentTokenizer.load();
  const encoded = await tokenizer.encodeBatch(documents.map((d) => d.text!));
  const ids = new Map(documents.map((d, i) => [d.id!, encoded[i]!]));
  const totalTokens = encoded.reduce((n, t) => n + t.length, 0);
  const runs = [];
  for (const seqLen of seqLens) {
    for (const batch of batches) {
      const before = perBatch(ids, tokenizer.eosId, seqLen, batch, partitions);
      const after = await carried(tokenizer, seqLen, batch, partitions, totalTokens);
      runs.push({ seqLen, batch, before, after });
      console.log(
        `seqLen ${seqLen}, batches of ${batch}: padding ${(before.paddingShare * 100).toFixed(3)}% per batch (as it was) -> ` +
          `${(after.paddingShare * 100).toFixed(3)}% carried (${after.paddedSequences} padded of ${after.sequences} sequences)`,
      );
    }
  }
  const result = {
    bench: 'packing',
    command: `node dist/bench/packing.js --batches ${batches.join(',')} --seq-lens ${seqLens.join(',')} --partitions ${partitions}`,
    date: new Date().toISOString(),
    corpus: { documents: documents.length, tokens: totalTokens, tokenizer: tokenizer.tokenizerId },
    partitions,
    corpora: 2,
    target: 'padding share <= 0.1% at every batch size',
    runs,
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
