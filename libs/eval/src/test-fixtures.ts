// Locates libs/eval/fixtures from the compiled tests (dist/libs/eval/src) or the sources, and reads
// the harness reference recorded by fixtures/make_lm_eval_reference.py.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScoreRequest, ScoreResult, LogLikelihoodModel } from './scorer';

export function fixturesDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'libs', 'eval', 'fixtures');
    if (fs.existsSync(path.join(candidate, 'reference'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`libs/eval/fixtures not found above ${__dirname}`);
    dir = parent;
  }
}

export interface ReferenceRequest {
  task: string;
  doc_id: number;
  idx: number;
  context: string;
  continuation: string;
  context_ids: number[];
  continuation_ids: number[];
  logprob: number;
  is_greedy: boolean;
}

export interface ReferenceSample {
  doc_id: number;
  target: string | number;
  logprobs: number[];
  pred: number;
  acc: number;
  pred_norm?: number;
  acc_norm?: number;
}

export interface ReferenceTask {
  requests: ReferenceRequest[];
  samples: ReferenceSample[];
  metrics: Record<string, number>;
  n: number;
  version: number | string | null;
  num_fewshot: number;
}

export interface LmEvalReference {
  lm_eval_version: string;
  max_length: number;
  fewshot_random_seed: number;
  runs: Record<string, Record<string, ReferenceTask | Record<string, number>>>;
  rolling: {
    max_length: number;
    prefix_token_id: number;
    docs: { text: string; token_ids: number[]; windows: { context_ids: number[]; continuation_ids: number[]; logprob: number }[]; total_logprob: number }[];
  };
}

export function loadReference(): LmEvalReference {
  return JSON.parse(fs.readFileSync(path.join(fixturesDir(), 'reference', 'lm_eval_reference.json'), 'utf8')) as LmEvalReference;
}

/** Answers with the log-likelihoods the harness's model produced for the same token ids. */
export class ReplayModel implements LogLikelihoodModel {
  private readonly table = new Map<string, ScoreResult>();
  readonly batches: ScoreRequest[][] = [];

  constructor(entries: { context_ids: number[]; continuation_ids: number[]; logprob: number; is_greedy?: boolean }[], readonly maxLength?: number) {
    for (const e of entries) this.table.set(ReplayModel.key(e.context_ids, e.continuation_ids), { logprob: e.logprob, isGreedy: e.is_greedy ?? false });
  }

  static key(ctx: number[], cont: number[]): string {
    return `${ctx.join(',')}|${cont.join(',')}`;
  }

  scoreBatch(requests: ScoreRequest[]): ScoreResult[] {
    this.batches.push(requests);
    return requests.map((r) => {
      const hit = this.table.get(ReplayModel.key(r.contextIds, r.continuationIds));
      if (!hit) throw new Error(`no recorded log-likelihood for request ${ReplayModel.key(r.contextIds, r.continuationIds).slice(0, 120)}`);
      return hit;
    });
  }
}
