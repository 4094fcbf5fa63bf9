// docs.raw -> docs.filtered | docs.rejected: datatrove's FineWeb heuristics (libs/data/src/quality), then, when
// configured, a model scorer (libs/data/src/model-scorer) over the documents the heuristics kept.
import {
  codecFor,
  Document,
  Rejection,
  type TopicsConfig,
  countOutcome,
  type ConsumedRecord,
  type OutgoingRecord,
} from '@cptflow/platform';
import { QualityPipeline, scoreRejection, type DocumentScorer, type QualityPipelineConfig, type RejectionReason } from '../quality';
import type { Stage } from './stage';
import { decodeDocuments, forwardDocument, traceHeaders } from './document-batch';

const rejectionCodec = codecFor<Rejection>(Rejection);
export const QUALITY_STAGE = 'quality-filter';

/** Metadata key of a kept document's model score (decimal string, as all metadata values are). */
export const QUALITY_SCORE_KEY = 'quality_score';

export interface QualityStageOptions {
  topics: TopicsConfig;
  /** Which filters run and their thresholds; datatrove's FineWeb defaults when omitted. */
  filters?: QualityPipelineConfig;
  /** Scores the heuristics' survivors (in batches) and rejects those below its threshold; none when omitted. */
  scorer?: DocumentScorer;
}

type Kept = { document: Document; record: ConsumedRecord; keep: true; text: string; score?: number };
type Decision = Kept | { document: Document; record: ConsumedRecord; keep: false; rejection: RejectionReason };

export function createQualityStage(options: QualityStageOptions): Stage & { pipeline: QualityPipeline } {
  const { topics, scorer } = options;
  const pipeline = QualityPipeline.fromConfig(options.filters);

  /** The scorer's verdict on the heuristics' survivors, in one call (the scorer batches as its model needs). */
  async function applyScorer(decisions: Decision[]): Promise<Decision[]> {
    const survivors = decisions.flatMap((d, i) => (d.keep ? [i] : []));
    if (!scorer || survivors.length === 0) return decisions;
    const scores = await scorer.score(survivors.map((i) => (decisions[i] as Kept).text));
    const scored = [...decisions];
    survivors.forEach((i, j) => {
      const { document, record, text } = decisions[i] as Kept;
      const rejection = scoreRejection(scorer, scores[j]);
      scored[i] = rejection ? { document, record, keep: false, rejection } : { document, record, keep: true, text, score: scores[j] };
    });
    return scored;
  }

  return {
    name: QUALITY_STAGE,
    groupId: `cptflow.${QUALITY_STAGE}`,
    inputTopics: [topics.docsRaw],
    outputTopics: [topics.docsFiltered, topics.docsRejected],
    pipeline,
    async handle(batch) {
      const { documents, deadLetters } = decodeDocuments(QUALITY_STAGE, batch, topics.deadLetterPrefix);
      const out: OutgoingRecord[] = [...deadLetters];
      const decisions = await applyScorer(
        documents.map(({ document, record }): Decision => {
          const verdict = pipeline.run(document.text!);
          return verdict.keep ? { document, record, keep: true, text: verdict.text } : { document, record, keep: false, rejection: verdict.rejection };
        }),
      );
      for (const d of decisions) {
        const { document, record } = d;
        if (d.keep) {
          const metadata = d.score === undefined ? document.metadata : { ...document.metadata, [QUALITY_SCORE_KEY]: String(d.score) };
          out.push(forwardDocument(topics.docsFiltered, { ...document, text: d.text, metadata }, record));
          countOutcome(QUALITY_STAGE, 'kept');
        } else {
          const { filter, rule, value, threshold } = d.rejection;
          out.push({
            topic: topics.docsRejected,
            key: document.id ?? undefined,
            value: rejectionCodec.encode({ document, filter, rule, value, threshold }),
            headers: traceHeaders(record),
          });
          countOutcome(QUALITY_STAGE, 'rejected', `${filter}/${rule}`);
        }
      }
      if (deadLetters.length) countOutcome(QUALITY_STAGE, 'dead_letter', 'undecodable', deadLetters.length);
      return out;
    },
    async close() {
      await scorer?.close?.();
    },
  };
}
