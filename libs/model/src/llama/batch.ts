// Host-side preparation of a micro-batch: the int64 tensors the training and eval graphs read.
import { IGNORE_INDEX } from './loss';

export interface TokenBatch {
  batch: number;
  seq: number;
  inputIds: BigInt64Array;
  positionIds: BigInt64Array;
  /** targets[b][t] = label of position t+1 (HF's shift), −100 where no loss is taken. */
  targets: BigInt64Array;
  /** Document index per token; present when the batch packs several documents per row. */
  docIds?: BigInt64Array;
}

const flat = (rows: number[][]) => BigInt64Array.from(rows.flat(), (v) => BigInt(v));

/**
 * From HF-style rows: `labels` unshifted like `LlamaForCausalLM(labels=...)` takes them (defaults
 * to the inputs); positions 0..seq−1 unless `positionIds` is given.
 */
export function batchFromLabels(inputIds: number[][], labels: number[][] = inputIds, extra: { positionIds?: number[][]; docIds?: number[][] } = {}): TokenBatch {
  const batch = inputIds.length;
  const seq = inputIds[0].length;
  const targets = labels.map((row) => [...row.slice(1), IGNORE_INDEX]);
  return {
    batch,
    seq,
    inputIds: flat(inputIds),
    positionIds: flat(extra.positionIds ?? inputIds.map((row) => row.map((_, t) => t))),
    targets: flat(targets),
    docIds: extra.docIds ? flat(extra.docIds) : undefined,
  };
}

export interface PackedRow {
  tokens: number[];
  /** Offsets where a new document begins (0 first), as the packer records them. */
  documentStarts: number[];
}

/**
 * From packed rows: attention confined to each document, positions restarting at every document
 * start when `resetPositions`, and no loss on predicting a document's first token from the
 * previous document.
 */
export function batchFromPackedRows(rows: PackedRow[], resetPositions = true): TokenBatch {
  const docIds = rows.map((r) => r.tokens.map((_, t) => r.documentStarts.filter((s) => s <= t).length - 1));
  const positionIds = rows.map((r, b) => r.tokens.map((_, t) => (resetPositions ? t - r.documentStarts[docIds[b][t]] : t)));
  const labels = rows.map((r) => r.tokens.map((tok, t) => (t > 0 && r.documentStarts.includes(t) ? IGNORE_INDEX : tok)));
  return batchFromLabels(
    rows.map((r) => r.tokens),
    labels,
    { positionIds, docIds },
  );
}
