// docs.unique -> seqs.packed (and seqs.replay for replay text): tokenize with the model's tokenizer and pack into fixed-length sequences
// (libs/packing), recording document boundaries for the trainer's attention mask.
//
// Each batch is packed on its own and flushed at its end: no tokens are carried between batches, so the
// batch's sequences and its offsets commit in one transaction and a crash can neither lose nor double a
// document. The cost is at most one padded sequence per batch and corpus; with batches of hundreds of
// documents that is well under 1% of tokens.
import { codecFor, PackedSequence } from '../../contracts/src';
import type { TopicsConfig } from '../../config/src/schema';
import { createPacker, DocumentTokenizer, toPackedSequenceMessage, type PackingStrategy } from '../../packing/src';
import type { Stage } from './stage';
import type { OutgoingRecord } from '../../transport/src/bus';
import { decodeDocuments, type DecodedDocument } from './document-batch';

const sequenceCodec = codecFor<PackedSequence>(PackedSequence);
export const PACKER_STAGE = 'packer';
/** Document.corpus of general text mixed in against forgetting. */
export const REPLAY_CORPUS = 'replay';

export interface PackerStageOptions {
  topics: TopicsConfig;
  tokenizer: DocumentTokenizer;
  seqLen: number;
  strategy: PackingStrategy;
  /** Id written into padding positions; the trainer masks them out of the loss. */
  padId?: number;
}

export interface PackerStageCounters {
  documents: number;
  sequences: number;
  tokens: number;
  paddingTokens: number;
}

export function createPackerStage(options: PackerStageOptions): Stage & { counters: PackerStageCounters } {
  const { topics, tokenizer, seqLen, strategy } = options;
  const padId = options.padId ?? tokenizer.eosId;
  const counters: PackerStageCounters = { documents: 0, sequences: 0, tokens: 0, paddingTokens: 0 };
  const labels = { tokenizerId: tokenizer.tokenizerId, tokenWidth: tokenizer.tokenWidth };

  // Replay (general) text travels on its own topic, so the trainer can mix it in at an exact fraction.
  const topicFor = (corpus: string) => (corpus === REPLAY_CORPUS ? topics.seqsReplay : topics.seqsPacked);

  async function packCorpus(corpus: string, docs: DecodedDocument[], key: string): Promise<OutgoingRecord[]> {
    const ids = await tokenizer.encodeBatch(docs.map((d) => d.document.text!));
    const packer = createPacker({ strategy, seqLen, padId });
    const sequences = [...packer.push(docs.map((d, i) => ({ id: d.document.id!, tokens: ids[i]! }))), ...packer.flush()];
    counters.documents += docs.length;
    return sequences.map((seq) => {
      counters.sequences++;
      counters.tokens += seq.numTokens;
      counters.paddingTokens += seq.seqLen - seq.numTokens;
      const message = toPackedSequenceMessage(seq, { ...labels, corpus });
      return { topic: topicFor(corpus), key, value: sequenceCodec.encode(message), headers: firstTrace(docs) };
    });
  }

  return {
    name: PACKER_STAGE,
    groupId: `cptflow.${PACKER_STAGE}`,
    inputTopics: [topics.docsUnique],
    outputTopics: [topics.seqsPacked, topics.seqsReplay],
    counters,
    async handle(batch) {
      const { documents, deadLetters } = decodeDocuments(PACKER_STAGE, batch, topics.deadLetterPrefix);
      // Sequences never mix corpora, so the trainer can mix replay data at an exact fraction.
      const byCorpus = new Map<string, DecodedDocument[]>();
      for (const d of documents) {
        const corpus = d.document.corpus || 'domain';
        const group = byCorpus.get(corpus);
        if (group) group.push(d);
        else byCorpus.set(corpus, [d]);
      }
      const out: OutgoingRecord[] = [...deadLetters];
      // One key per input partition: a partition's sequences stay together and in order downstream,
      // so the trainer sees the stream in the order the documents arrived.
      const key = `${batch.topic}/${batch.partition}`;
      for (const [corpus, docs] of byCorpus) out.push(...(await packCorpus(corpus, docs, key)));
      return out;
    },
  };
}

/** A packed sequence continues the trace of the first document in it. */
function firstTrace(docs: DecodedDocument[]): Record<string, string> {
  const headers = docs[0]?.record.headers ?? {};
  return headers.traceparent ? { traceparent: headers.traceparent } : {};
}
