// docs.filtered -> docs.unique | docs.duplicate: exact and MinHash near-duplicate detection (libs/data/src/dedup)
// against a signature store that every dedup consumer shares.
import { codecFor, Duplicate, type TopicsConfig, countOutcome, type OutgoingRecord } from '@cptflow/platform';
import { Deduplicator, toDuplicateMessage, type DeduplicatorOptions, type SignatureStore } from '../dedup';
import type { Stage } from './stage';
import { decodeDocuments, forwardDocument, traceHeaders } from './document-batch';

const duplicateCodec = codecFor<Duplicate>(Duplicate);
export const DEDUP_STAGE = 'dedup';

export interface DedupStageOptions extends DeduplicatorOptions {
  topics: TopicsConfig;
  store: SignatureStore;
}

export function createDedupStage(options: DedupStageOptions): Stage {
  const { topics, store } = options;
  const deduplicator = new Deduplicator(store, options);
  return {
    name: DEDUP_STAGE,
    groupId: `cptflow.${DEDUP_STAGE}`,
    inputTopics: [topics.docsFiltered],
    outputTopics: [topics.docsUnique, topics.docsDuplicate],
    async handle(batch) {
      const { documents, deadLetters } = decodeDocuments(DEDUP_STAGE, batch, topics.deadLetterPrefix);
      const out: OutgoingRecord[] = [...deadLetters];
      // In offset order: within a partition the first document to claim a signature owns it.
      for (const { document, record } of documents) {
        const verdict = await deduplicator.check({ id: document.id!, text: document.text! });
        const duplicate = toDuplicateMessage(document, verdict);
        if (!duplicate) {
          out.push(forwardDocument(topics.docsUnique, document, record));
          countOutcome(DEDUP_STAGE, 'kept');
        } else {
          out.push({ topic: topics.docsDuplicate, key: document.id ?? undefined, value: duplicateCodec.encode(duplicate), headers: traceHeaders(record) });
          countOutcome(DEDUP_STAGE, 'duplicate', verdict.kind);
        }
      }
      if (deadLetters.length) countOutcome(DEDUP_STAGE, 'dead_letter', 'undecodable', deadLetters.length);
      return out;
    },
    async close() {
      await store.close();
    },
  };
}
