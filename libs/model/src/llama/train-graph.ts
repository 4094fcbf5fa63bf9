// The forward+backward graph of one micro-batch. Inputs: every parameter (HF names), the tokens,
// position ids, shifted targets, optionally document ids and the running gradient sums. Outputs:
// the summed token loss, the number of loss tokens and, per parameter, `grad.<name>` — the gradient
// of the *summed* loss, added to `grad_accum.<name>` when accumulating; the optimizer divides by
// the total token count, so micro-batches of any fill weigh each token equally.
import { add, grad, GraphBuilder, Dim } from '@cptflow/onnx';
import { LlamaArchitecture, parameterShapes } from './architecture';
import { tokenCrossEntropy } from './loss';
import { declareParameters, declareTokenInputs, FloatType, llamaLogits } from './model';

export interface TrainGraphOptions {
  batch: Dim;
  seq: Dim;
  /** Attention confined to documents (needs `doc_ids`); plain causal attention otherwise. */
  documentMask: boolean;
  /** Gradient checkpointing: recompute each decoder layer inside the backward pass. */
  recomputeLayers: boolean;
  /** Add this micro-batch's gradients to `grad_accum.<name>` inputs. */
  accumulate: boolean;
  dtype?: FloatType;
}

export const gradName = (param: string) => `grad.${param}`;
export const gradAccumName = (param: string) => `grad_accum.${param}`;

export function buildTrainGraph(a: LlamaArchitecture, o: TrainGraphOptions): GraphBuilder {
  const dtype = o.dtype ?? 'float32';
  const g = new GraphBuilder('llama_train_step');
  const params = declareParameters(g, a, dtype);
  const inputs = declareTokenInputs(g, o);
  const targets = g.input('targets', 'int64', [o.batch, o.seq]);

  const logits = llamaLogits(a, params, inputs, dtype);
  const { nllSum, tokenCount } = tokenCrossEntropy(logits, targets);
  const names = parameterShapes(a).map((p) => p.name);
  const grads = grad(nllSum, names.map((n) => params.get(n)!), { recomputeSegments: o.recomputeLayers });

  g.output(nllSum, 'loss_sum');
  g.output(tokenCount, 'token_count');
  names.forEach((name, i) => {
    const previous = o.accumulate ? g.input(gradAccumName(name), dtype, params.get(name)!.shape) : undefined;
    g.output(previous ? add(previous, grads[i]) : grads[i], gradName(name));
  });
  return g;
}
