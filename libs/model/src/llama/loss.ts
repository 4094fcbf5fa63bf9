// Token-level cross-entropy from LogSoftmax + GatherElements (the fused loss ops are missing from
// ONNX Runtime's CPU build). Targets are already aligned with positions (target[t] is the token
// position t predicts); −100 marks positions that take no loss, as in HF.
import { cast, equal, gatherElements, logSoftmax, mul, neg, not, reduceSum, squeeze, Tensor, unsqueeze, where } from '@cptflow/onnx';

export const IGNORE_INDEX = -100;

/** log p(target_t | prefix) per position, [batch, seq]; 0 at ignored positions. */
export function targetLogProbs(logits: Tensor, targets: Tensor): { logProbs: Tensor; weights: Tensor } {
  const valid = not(equal(targets, IGNORE_INDEX));
  const safeTargets = where(valid, targets, 0);
  const picked = squeeze(gatherElements(logSoftmax(logits, -1), unsqueeze(safeTargets, [-1]), -1), [-1]);
  const weights = cast(valid, logits.dtype);
  return { logProbs: mul(picked, weights), weights };
}

/** Sum of the token negative log-likelihoods and the number of tokens that count. */
export function tokenCrossEntropy(logits: Tensor, targets: Tensor): { nllSum: Tensor; tokenCount: Tensor } {
  const { logProbs, weights } = targetLogProbs(logits, targets);
  return { nllSum: neg(reduceSum(logProbs)), tokenCount: reduceSum(weights) };
}
