// Settings every fuzz suite shares: a fixed seed, so a CI failure replays exactly (fast-check prints the
// seed and the shrunk counterexample); CPTFLOW_FUZZ_SEED explores other seeds, CPTFLOW_FUZZ_RUNS scales
// the number of cases (e.g. 10x for a longer local hunt).
import type { Parameters } from 'fast-check';

export const FUZZ_SEED = Number(process.env.CPTFLOW_FUZZ_SEED ?? 20_261_203);

export function fuzzRuns(numRuns: number): Parameters<unknown> {
  const scale = Number(process.env.CPTFLOW_FUZZ_RUNS_SCALE ?? 1);
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * scale)), endOnFailure: true };
}
