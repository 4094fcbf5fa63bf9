// Forward-only graphs for evaluation, with symbolic batch and sequence length so one session
// scores requests of any size: logits, or the log-probability of given target tokens.
import { GraphBuilder } from '@cptflow/onnx';
import { LlamaArchitecture } from './architecture';
import { targetLogProbs } from './loss';
import { declareParameters, declareTokenInputs, FloatType, llamaLogits } from './model';

export interface EvalGraphOptions {
  documentMask?: boolean;
  dtype?: FloatType;
}

/** Outputs `logits` [batch, seq, vocab]. */
export function buildLogitsGraph(a: LlamaArchitecture, o: EvalGraphOptions = {}): GraphBuilder {
  const dtype = o.dtype ?? 'float32';
  const g = new GraphBuilder('llama_logits');
  const params = declareParameters(g, a, dtype);
  const inputs = declareTokenInputs(g, { batch: 'batch', seq: 'seq', documentMask: o.documentMask ?? false });
  g.output(llamaLogits(a, params, inputs, dtype), 'logits');
  return g;
}

/**
 * Outputs `token_logprobs` [batch, seq]: log p(targets[t] | tokens ≤ t), 0 where targets is −100,
 * and `is_greedy` [batch, seq] (bool): whether the target is the arg-max token, as
 * lm-evaluation-harness reports for log-likelihood requests.
 */
export function buildLogProbGraph(a: LlamaArchitecture, o: EvalGraphOptions = {}): GraphBuilder {
  const dtype = o.dtype ?? 'float32';
  const g = new GraphBuilder('llama_logprobs');
  const params = declareParameters(g, a, dtype);
  const inputs = declareTokenInputs(g, { batch: 'batch', seq: 'seq', documentMask: o.documentMask ?? false });
  const targets = g.input('targets', 'int64', ['batch', 'seq']);
  const logits = llamaLogits(a, params, inputs, dtype);
  g.output(targetLogProbs(logits, targets).logProbs, 'token_logprobs');
  const [argmax] = g.node('ArgMax', [logits], {
    attrs: { axis: { kind: 'int', value: -1 }, keepdims: { kind: 'int', value: 0 } },
    outputs: [{ dtype: 'int64', shape: ['batch', 'seq'] }],
  });
  const [greedy] = g.node('Equal', [argmax, targets], { outputs: [{ dtype: 'bool', shape: ['batch', 'seq'] }] });
  g.output(greedy, 'is_greedy');
  return g;
}
