// docs.raw -> docs.filtered | docs.rejected: datatrove's FineWeb heuristics (libs/quality).
import { codecFor, Rejection } from '../../contracts/src';
import type { TopicsConfig } from '../../config/src/schema';
import { QualityPipeline, type QualityPipelineConfig } from '../../quality/src';
import type { Stage } from '../../service-host/src/stage';
import { countOutcome } from '../../telemetry/src';
import type { OutgoingRecord } from '../../transport/src/bus';
import { decodeDocuments, forwardDocument, traceHeaders } from './document-batch';

const rejectionCodec = codecFor<Rejection>(Rejection);
export const QUALITY_STAGE = 'quality-filter';

export interface QualityStageOptions {
  topics: TopicsConfig;
  /** Which filters run and their thresholds; datatrove's FineWeb defaults when omitted. */
  filters?: QualityPipelineConfig;
}

export function createQualityStage(options: QualityStageOptions): Stage & { pipeline: QualityPipeline } {
  const { topics } = options;
  const pipeline = QualityPipeline.fromConfig(options.filters);
  return {
    name: QUALITY_STAGE,
    groupId: `cptflow.${QUALITY_STAGE}`,
    inputTopics: [topics.docsRaw],
    outputTopics: [topics.docsFiltered, topics.docsRejected],
    pipeline,
    async handle(batch) {
      const { documents, deadLetters } = decodeDocuments(QUALITY_STAGE, batch, topics.deadLetterPrefix);
      const out: OutgoingRecord[] = [...deadLetters];
      for (const { document, record } of documents) {
        const verdict = pipeline.run(document.text!);
        if (verdict.keep) {
          out.push(forwardDocument(topics.docsFiltered, { ...document, text: verdict.text }, record));
          countOutcome(QUALITY_STAGE, 'kept');
        } else {
          const { filter, rule, value, threshold } = verdict.rejection;
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
  };
}
