// Turns one batch of log-likelihood requests into forward passes: requests that feed the model the
// same tokens share one row (the harness's logits cache), rows are right-padded to the longest row
// of their pass, and every continuation token becomes one scored position. Pure data work, so it
// is tested without a model.
import { groupBySharedInput, ScoreRequest } from '../../eval/src';

/** Token id written into padding. Padding only ever follows a row's real tokens, and attention is
 * causal, so no real position can see it (the harness pads the same way, with 0, and no mask). */
export const PAD_TOKEN_ID = 0;

export interface ForwardPass {
  batch: number;
  seq: number;
  /** Real (unpadded) tokens among the batch * seq. */
  tokens: number;
  /** [batch * seq] row-major, right-padded. */
  inputIds: BigInt64Array;
  positionIds: BigInt64Array;
  /** Flat row * seq + position of each scored position. */
  scoreIndex: BigInt64Array;
  scoreTarget: BigInt64Array;
  /** For each scored position, the request (index into the batch) it belongs to. */
  scoreOwner: Int32Array;
}

export interface PlanOptions {
  /** Upper bound on batch * seq per pass (padding included); a row longer than it runs alone. */
  maxTokensPerPass?: number;
}

/**
 * Model input of a request: (context ++ continuation)[:-1]; the last continuation.length positions
 * predict the continuation. Requests must already be truncated to the model's length.
 */
export function planForwardPasses(requests: readonly ScoreRequest[], options: PlanOptions = {}): ForwardPass[] {
  for (const [i, r] of requests.entries()) {
    if (r.continuationIds.length === 0) throw new Error(`request ${i} has an empty continuation`);
    if (r.contextIds.length === 0) throw new Error(`request ${i} has an empty context (the harness conditions on a prefix token)`);
  }
  // longest rows first, so each pass pads as little as possible
  const rows = groupBySharedInput(requests).sort((a, b) => b.input.length - a.input.length);
  const budget = options.maxTokensPerPass ?? Number.POSITIVE_INFINITY;
  const passes: ForwardPass[] = [];
  let start = 0;
  while (start < rows.length) {
    const seq = rows[start].input.length;
    let end = start + 1;
    while (end < rows.length && (end - start + 1) * seq <= budget) end++;
    passes.push(packPass(rows.slice(start, end), requests, seq));
    start = end;
  }
  return passes;
}

function packPass(rows: ReturnType<typeof groupBySharedInput>, requests: readonly ScoreRequest[], seq: number): ForwardPass {
  const batch = rows.length;
  const inputIds = new BigInt64Array(batch * seq).fill(BigInt(PAD_TOKEN_ID));
  const positionIds = new BigInt64Array(batch * seq);
  const index: number[] = [];
  const target: number[] = [];
  const owner: number[] = [];
  rows.forEach((row, b) => {
    for (let t = 0; t < seq; t++) positionIds[b * seq + t] = BigInt(t);
    row.input.forEach((id, t) => (inputIds[b * seq + t] = BigInt(id)));
    for (const member of row.members) {
      const cont = requests[member].continuationIds;
      // the continuation's k-th token is predicted at input position len - cont.length + k
      const first = row.input.length - cont.length;
      cont.forEach((id, k) => {
        index.push(b * seq + first + k);
        target.push(id);
        owner.push(member);
      });
    }
  });
  return {
    batch,
    seq,
    tokens: rows.reduce((n, r) => n + r.input.length, 0),
    inputIds,
    positionIds,
    scoreIndex: BigInt64Array.from(index, BigInt),
    scoreTarget: BigInt64Array.from(target, BigInt),
    scoreOwner: Int32Array.from(owner),
  };
}
