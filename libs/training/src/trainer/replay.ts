// Replay against forgetting: a fixed fraction of the rows the trainer trains on come from general
// text instead of the domain stream. The choice is a pure function of the row's index, so it is
// the same in every run and after every restart, and the fraction is exact over any prefix:
// row r is a replay row when floor((r + 1) * f) > floor(r * f).
import { Xoshiro128, RngState } from '@cptflow/pycompat';
import type { TrainingRow } from './training-rows';

export function isReplayRow(rowIndex: number, fraction: number): boolean {
  if (fraction <= 0) return false;
  if (fraction >= 1) return true;
  return Math.floor((rowIndex + 1) * fraction) > Math.floor(rowIndex * fraction);
}

/** Replay rows drawn from a local corpus, uniformly with replacement, by a seeded generator whose state is checkpointed. */
export class LocalReplayCorpus {
  private rng: Xoshiro128;

  constructor(
    private readonly rows: readonly TrainingRow[],
    seed: number,
    state?: RngState | null,
  ) {
    if (rows.length === 0) throw new Error('the replay corpus has no sequences');
    this.rng = state ? Xoshiro128.fromState(state) : Xoshiro128.fromSeed(seed, 'replay');
  }

  get size(): number {
    return this.rows.length;
  }

  next(): TrainingRow {
    return this.rows[this.rng.nextInt(this.rows.length)];
  }

  state(): RngState {
    return this.rng.getState();
  }
}
