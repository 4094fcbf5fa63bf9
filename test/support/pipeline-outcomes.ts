// Every document's fate as the pipeline's output topics record it, read back from the beginning.
// Shared by the end-to-end tests so each judges "nothing lost, nothing doubled" the same way.
import assert from 'node:assert/strict';
import { codecFor, Document, Duplicate, PackedSequence, Rejection, type Bus } from '@cptflow/platform';
import type { PipelineCounts } from '@cptflow/local-run';
import {
  fromPackedSequenceMessage,
  unpackDocuments,
  type PackedSequenceData,
  type TokenizedDocument,
  isPackerFlushRequest,
} from '@cptflow/data';
import { readTopics } from './topic-reader';

const documentCodec = codecFor<Document>(Document);
const rejectionCodec = codecFor<Rejection>(Rejection);
const duplicateCodec = codecFor<Duplicate>(Duplicate);
const sequenceCodec = codecFor<PackedSequence>(PackedSequence);

export interface PipelineOutcomes {
  /** document id -> the topic that holds its fate (exactly one per document, or the read fails). */
  fate: Map<string, string>;
  rejectionRule: Map<string, string>;
  duplicateOf: Map<string, { of: string; kind: number }>;
  uniqueText: Map<string, string>;
  uniqueOrder: Map<string, { partition: number; offset: bigint }>;
  sequences: PackedSequenceData[];
  /** Documents reassembled from the sequences (throws if a segment is missing or doubled). */
  packed: Map<string, Uint32Array>;
}

interface OutcomeTopics {
  docsRejected: string;
  docsDuplicate: string;
  docsUnique: string;
  seqsPacked: string;
  seqsReplay: string;
}

export async function readOutcomes(bus: Bus, topics: OutcomeTopics, counts: PipelineCounts): Promise<PipelineOutcomes> {
  const expected = counts.rejected + counts.exactDuplicates + counts.nearDuplicates + counts.unique;
  const records = await readTopics(bus, [topics.docsRejected, topics.docsDuplicate, topics.docsUnique], expected);
  const outcomes: PipelineOutcomes = {
    fate: new Map(),
    rejectionRule: new Map(),
    duplicateOf: new Map(),
    uniqueText: new Map(),
    uniqueOrder: new Map(),
    sequences: [],
    packed: new Map(),
  };
  for (const r of records) {
    if (isPackerFlushRequest(r)) continue; // the packer's idle-flush requests share docs.unique, they are no documents
    let id: string;
    if (r.topic === topics.docsRejected) {
      const m = rejectionCodec.decode(r.value);
      id = m.document!.id!;
      outcomes.rejectionRule.set(id, `${m.filter}/${m.rule}`);
    } else if (r.topic === topics.docsDuplicate) {
      const m = duplicateCodec.decode(r.value);
      id = m.document!.id!;
      outcomes.duplicateOf.set(id, { of: m.duplicateOf!, kind: m.kind! });
    } else {
      const m = documentCodec.decode(r.value);
      id = m.id!;
      outcomes.uniqueText.set(id, m.text!);
      outcomes.uniqueOrder.set(id, { partition: r.partition, offset: BigInt(r.offset) });
    }
    assert.ok(!outcomes.fate.has(id), `document ${id} has two fates: ${outcomes.fate.get(id)} and ${r.topic}`);
    outcomes.fate.set(id, r.topic);
  }
  const sequenceRecords = await readTopics(bus, [topics.seqsPacked, topics.seqsReplay], counts.sequences);
  outcomes.sequences = sequenceRecords.map((r) => fromPackedSequenceMessage(sequenceCodec.decode(r.value)));
  assert.equal(outcomes.sequences.length, counts.sequences, 'no packed sequence is lost or doubled');
  outcomes.packed = new Map(unpackDocuments(outcomes.sequences).map((d: TokenizedDocument) => [d.id, d.tokens]));
  return outcomes;
}
