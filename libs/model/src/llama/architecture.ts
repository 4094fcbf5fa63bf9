// What the graph builders need to know about a LLaMA model: the shape fields of libs/model/src/model-config's
// LlamaConfig (a parsed HF config.json passes straight in). Tensor names, shapes and presets live
// there, once.
import { elementCount, parameterSpecs, type LlamaShapes } from '../model-config';

export type LlamaArchitecture = LlamaShapes;

export { elementCount };

export interface ParameterShape {
  /** HF tensor name, e.g. model.layers.3.self_attn.k_proj.weight */
  readonly name: string;
  readonly shape: readonly number[];
}

/** Every trainable tensor under its HF name, in HF registration order. */
export function parameterShapes(a: LlamaArchitecture): ParameterShape[] {
  return parameterSpecs(a).map(({ name, shape }) => ({ name, shape }));
}
