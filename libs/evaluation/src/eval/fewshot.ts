import { PythonRandom } from '@cptflow/pycompat';
import { TaskDefinition } from './task-definition';
import { Doc } from './template';

/** lm-evaluation-harness's default few-shot seed (lm_eval/defaults.py DEFAULT_OTHER_SEED). */
export const HARNESS_FEWSHOT_SEED = 1234;

/**
 * Picks few-shot examples the way lm_eval/api/samplers.py does, one sampler (one RNG stream) per
 * task, consumed in evaluation-document order:
 * - "first_n": the first k pool rows, in order (MMLU's dev split).
 * - "default": random.Random(seed).sample(pool, k); when the task's fewshot split equals its test split
 *   (both unset for HellaSwag, PIQA, Winogrande, BoolQ) it samples k+1, drops rows equal to the
 *   evaluated document and keeps the first k.
 */
export class FewshotSampler {
  private readonly rnd: PythonRandom;

  constructor(
    private readonly pool: readonly Doc[],
    private readonly kind: 'default' | 'first_n',
    private readonly excludeEvalDoc: boolean,
    seed: number = HARNESS_FEWSHOT_SEED,
  ) {
    this.rnd = new PythonRandom(seed);
  }

  static forTask(task: TaskDefinition, pool: readonly Doc[], seed: number = HARNESS_FEWSHOT_SEED): FewshotSampler {
    return new FewshotSampler(pool, task.fewshotSampler ?? 'default', task.fewshotSplit === task.testSplit, seed);
  }

  sample(k: number, evalDoc: Doc): Doc[] {
    if (k === 0) return [];
    if (this.pool.length === 0) throw new Error('no documents available for few-shot sampling');
    const eval_ = this.excludeEvalDoc ? evalDoc : undefined;
    if (this.kind === 'first_n') {
      const pool = eval_ ? this.pool.filter((d) => !deepEqual(d, eval_)) : this.pool;
      if (k > pool.length) throw new Error(`requested ${k} few-shot examples but only ${pool.length} are available`);
      return pool.slice(0, k);
    }
    if (!eval_) return this.rnd.sample(this.pool, k);
    let picked = this.rnd.sample(this.pool, k + 1).filter((d) => !deepEqual(d, eval_)).slice(0, k);
    if (picked.length < k) {
      // several pool rows equal the evaluated doc: resample from the pool without them (samplers.py)
      picked = this.rnd.sample(this.pool.filter((d) => !deepEqual(d, eval_)), k);
    }
    return picked;
  }
}

/** Python `==` on the JSON-like rows datasets yields. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => k in (b as object) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
