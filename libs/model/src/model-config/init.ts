// Deterministic random initialisation the way HF's LlamaPreTrainedModel._init_weights does it:
// Linear and Embedding weights ~ N(0, initializer_range^2) (the padding row of the embedding zeroed
// when pad_token_id is set), RMSNorm weights = 1. Each tensor draws from its own stream keyed by
// (seed, name), so the values do not depend on which tensors are initialised or in what order.
import { Xoshiro128 } from '@cptflow/pycompat';
import { LlamaConfig } from './llama-config';
import { elementCount, ParameterSpec, parameterSpecs } from './parameters';

export function initParameter(config: LlamaConfig, spec: ParameterSpec, seed: number): Float32Array {
  const out = new Float32Array(elementCount(spec.shape));
  if (spec.kind === 'norm') {
    out.fill(1);
    return out;
  }
  Xoshiro128.fromSeed(seed, spec.name).fillNormal(out, 0, config.initializerRange);
  if (spec.kind === 'embedding' && config.padTokenId !== null) {
    const d = spec.shape[1];
    out.fill(0, config.padTokenId * d, (config.padTokenId + 1) * d);
  }
  return out;
}

/** Every parameter, initialised, in HF registration order. */
export function initParameters(config: LlamaConfig, seed: number): Map<string, Float32Array> {
  return new Map(parameterSpecs(config).map((spec) => [spec.name, initParameter(config, spec, seed)]));
}
