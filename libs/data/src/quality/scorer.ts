// Extension point for a model-based quality scorer (for example the FineWeb-Edu classifier
// exported to ONNX: libs/data/src/model-scorer's OnnxTextClassifierScorer). The heuristic QualityPipeline is
// synchronous and per document, a model scorer is asynchronous and batched, so the quality stage
// runs the pipeline first and hands the survivors to a scorer in batches.

import { RejectionReason } from './verdict';

/** Scores documents with a model; higher means better. */
export interface DocumentScorer {
  /** Filter name used in rejections and counts, e.g. "fineweb_edu_classifier". */
  readonly name: string;
  /** Documents scoring below this are rejected (rule "score_below_threshold"). */
  readonly threshold: number;
  /** One score per text, in order. Implementations batch and truncate as their model requires. */
  score(texts: readonly string[]): Promise<Float32Array | number[]>;
  /** Releases the model (ONNX Runtime session, worker thread). */
  close?(): Promise<void>;
}

/** The rejection a scorer's verdict turns into, so model and heuristic rejections look alike. */
export function scoreRejection(scorer: DocumentScorer, score: number): RejectionReason | null {
  return score < scorer.threshold
    ? { filter: scorer.name, rule: 'score_below_threshold', value: score, threshold: scorer.threshold }
    : null;
}
