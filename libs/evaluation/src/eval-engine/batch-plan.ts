// Turns one batch of log-likelihood requests into forward passes. Requests with the same context
// share a row: the context once, then each request's continuation (minus its last token) as a
// branch that sees the context and itself only (the scoring graph's branch mask), with positions
// continuing from the end of the context. A multiple-choice question thus costs its context once,
// not once per choice; single-token choices (MMLU's letters) need no branch at all — all are read
// from the context's last position, the harness's logits cache. A branch longer than its context
// gets a row of its own: sharing would save fewer tokens than the branch adds, while the row's
// attention grows with the square of its length (rolling perplexity's windows all condition on one
// prefix token; shared, 24 documents' first windows made one row of 5,600 tokens). Rows are
// right-padded to the longest row of their pass. Pure data work, tested without a model.
import { ScoreRequest } from '../eval';

/** Token id written into padding (never attended by real tokens: its branch id is PAD_BRANCH). */
export const PAD_TOKEN_ID = 0;
/** Branch id of the shared context: every token of the row may attend it (causally). */
export const CONTEXT_BRANCH = 0;
/** Branch id of padding: no real token attends it. */
export const PAD_BRANCH = -1;

/** Rows shorter than this share of a pass's longest row go to a later pass (bounds padding to ~20%). */
export const MIN_ROW_FILL = 0.8;

export interface ForwardPass {
  batch: number;
  seq: number;
  /** Real (unpadded) tokens among the batch * seq. */
  tokens: number;
  /** [batch * seq] row-major, right-padded. */
  inputIds: BigInt64Array;
  positionIds: BigInt64Array;
  /** [batch * seq]: CONTEXT_BRANCH, a branch number ≥ 1, or PAD_BRANCH. */
  branchIds: BigInt64Array;
  /** Flat row * seq + position of each scored position. */
  scoreIndex: BigInt64Array;
  scoreTarget: BigInt64Array;
  /** For each scored position, the request (index into the batch) it belongs to. */
  scoreOwner: Int32Array;
}

export interface PlanOptions {
  /** Upper bound on batch * seq per pass (padding included); also caps how many branches share a row. */
  maxTokensPerPass?: number;
}

interface Row {
  context: readonly number[];
  /** Requests (indices into the batch) whose continuations this row scores. */
  members: number[];
  length: number;
}

/**
 * The model input of a request is (context ++ continuation)[:-1], as HFLM feeds it; its k-th
 * continuation token is predicted where token k-1 sits (the context's last token for k = 0).
 * Requests must already be truncated to the model's length.
 */
export function planForwardPasses(requests: readonly ScoreRequest[], options: PlanOptions = {}): ForwardPass[] {
  for (const [i, r] of requests.entries()) {
    if (r.continuationIds.length === 0) throw new Error(`request ${i} has an empty continuation`);
    if (r.contextIds.length === 0) throw new Error(`request ${i} has an empty context (the harness conditions on a prefix token)`);
  }
  const budget = options.maxTokensPerPass ?? Number.POSITIVE_INFINITY;
  const rows = buildRows(requests, budget).sort((a, b) => b.length - a.length);
  const passes: ForwardPass[] = [];
  let start = 0;
  while (start < rows.length) {
    const seq = rows[start].length;
    let end = start + 1;
    // a row much shorter than the pass's longest would be mostly padding: it starts the next pass
    while (end < rows.length && (end - start + 1) * seq <= budget && rows[end].length >= MIN_ROW_FILL * seq) end++;
    passes.push(packPass(rows.slice(start, end), requests, seq));
    start = end;
  }
  return passes;
}

function buildRows(requests: readonly ScoreRequest[], budget: number): Row[] {
  const byContext = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const key = r.contextIds.join(',');
    const members = byContext.get(key);
    if (members) members.push(i);
    else byContext.set(key, [i]);
  });
  const rows: Row[] = [];
  for (const members of byContext.values()) {
    const context = requests[members[0]].contextIds;
    let row: Row = { context, members: [], length: context.length };
    for (const m of members) {
      const branch = requests[m].continuationIds.length - 1;
      if (branch > context.length) {
        rows.push({ context, members: [m], length: context.length + branch });
        continue;
      }
      // a row holds as many branches as the budget allows (at least one)
      if (row.members.length > 0 && row.length + branch > budget) {
        rows.push(row);
        row = { context, members: [], length: context.length };
      }
      row.members.push(m);
      row.length += branch;
    }
    if (row.members.length > 0) rows.push(row);
  }
  return rows;
}

function packPass(rows: Row[], requests: readonly ScoreRequest[], seq: number): ForwardPass {
  const batch = rows.length;
  const inputIds = new BigInt64Array(batch * seq).fill(BigInt(PAD_TOKEN_ID));
  const positionIds = new BigInt64Array(batch * seq);
  const branchIds = new BigInt64Array(batch * seq).fill(BigInt(PAD_BRANCH));
  const index: number[] = [];
  const target: number[] = [];
  const owner: number[] = [];
  rows.forEach((row, b) => {
    const base = b * seq;
    const c = row.context.length;
    row.context.forEach((id, t) => {
      inputIds[base + t] = BigInt(id);
      positionIds[base + t] = BigInt(t);
      branchIds[base + t] = BigInt(CONTEXT_BRANCH);
    });
    let at = c;
    row.members.forEach((m, k) => {
      const cont = requests[m].continuationIds;
      const branchStart = at;
      for (let j = 0; j < cont.length - 1; j++) {
        inputIds[base + at] = BigInt(cont[j]);
        positionIds[base + at] = BigInt(c + j);
        branchIds[base + at] = BigInt(k + 1);
        at++;
      }
      cont.forEach((id, j) => {
        // token j is predicted at the context's last token (j = 0) or at the branch's token j - 1
        index.push(base + (j === 0 ? c - 1 : branchStart + j - 1));
        target.push(id);
        owner.push(m);
      });
    });
  });
  return {
    batch,
    seq,
    tokens: rows.reduce((n, r) => n + r.length, 0),
    inputIds,
    positionIds,
    branchIds,
    scoreIndex: BigInt64Array.from(index, BigInt),
    scoreTarget: BigInt64Array.from(target, BigInt),
    scoreOwner: Int32Array.from(owner),
  };
}
