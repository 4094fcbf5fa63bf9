// Logits for checking the scoring head's numerics: spread like a trained model's, and their exact
// log-probabilities. The random fixture model's logits sit near 0, where float32 loses little.
import { seededUniform } from '@cptflow/pycompat';

/** [targets.length, vocab] float32: N(0, 4) over the vocabulary, each row's target ~6 above the crowd. */
export function trainedLikeLogits(targets: readonly number[], vocab: number, seed: number): Float32Array {
  const uniform = seededUniform(seed, 'trained-like-logits');
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const logits = new Float32Array(targets.length * vocab);
  targets.forEach((t, row) => {
    for (let v = 0; v < vocab; v++) logits[row * vocab + v] = 4 * normal();
    logits[row * vocab + t] = 6 + 4 * normal();
  });
  return logits;
}

/** log p(target) per row, a float64 log-softmax of the float32 logits in plain JS. */
export function float64Logprobs(logits: Float32Array, targets: readonly number[], vocab: number): number[] {
  return targets.map((t, row) => {
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[row * vocab + v]);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[row * vocab + v] - max);
    return logits[row * vocab + t] - max - Math.log(sum);
  });
}
