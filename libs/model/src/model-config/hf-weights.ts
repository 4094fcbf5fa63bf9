// Loading and saving a model directory the way transformers does (config.json + safetensors with
// HF tensor names), so a user's base model loads as it is and every checkpoint export opens in
// `AutoModelForCausalLM.from_pretrained`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DType, SafetensorsModel, saveSafetensorsModel } from '../safetensors';
import { LlamaConfig, ModelConfigError, toHfConfigJson } from './llama-config';
import { loadLlamaConfig } from './load';
import { elementCount, parameterSpecs } from './parameters';

export interface HfModel {
  readonly config: LlamaConfig;
  /** Every parameter of parameterSpecs(config), as float32, by HF name. */
  readonly weights: Map<string, Float32Array>;
}

/**
 * Read `dir/config.json` and its safetensors weights (single or sharded; F32, F16 or BF16 widened
 * to float32). With tied embeddings a file that carries only `lm_head.weight` (some MobileLLM
 * conversions) supplies the embedding from it; a redundant `lm_head.weight` beside
 * `model.embed_tokens.weight` is ignored, as transformers does when tying.
 */
export async function loadHfModel(dir: string): Promise<HfModel> {
  const config = await loadLlamaConfig(dir);
  const file = await SafetensorsModel.open(dir);
  try {
    // A layer count the weights cannot hold is refused before every layer's tensors are listed
    // (a careless num_hidden_layers of 1e12 would exhaust memory first).
    const lastLayer = `model.layers.${config.numLayers - 1}.input_layernorm.weight`;
    if (!file.has(lastLayer)) throw new ModelConfigError(`${dir}: config.json's num_hidden_layers is ${config.numLayers}, but the weights lack "${lastLayer}"`);
    const weights = new Map<string, Float32Array>();
    for (const spec of parameterSpecs(config)) {
      let source = spec.name;
      if (!file.has(source) && spec.name === 'model.embed_tokens.weight' && config.tieWordEmbeddings && file.has('lm_head.weight')) {
        source = 'lm_head.weight';
      }
      if (!file.has(source)) throw new ModelConfigError(`${dir}: weights lack "${spec.name}" required by config.json`);
      const info = await file.info(source);
      if (info.shape.length !== spec.shape.length || info.shape.some((d, i) => d !== spec.shape[i])) {
        throw new ModelConfigError(`${dir}: "${source}" has shape ${JSON.stringify(info.shape)}, config.json implies ${JSON.stringify(spec.shape)}`);
      }
      const values = await file.readFloat32(source);
      const bad = firstNonFinite(values);
      // A diverged or damaged model would be trained on or scored as garbage (NaN log-likelihoods).
      if (bad >= 0) throw new ModelConfigError(`${dir}: "${source}" holds ${values[bad]} at element ${bad}; the weights must be finite`);
      weights.set(spec.name, values);
    }
    return { config, weights };
  } finally {
    await file.close();
  }
}

function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

export interface SaveHfOptions {
  /** Stored dtype (default F32; BF16 halves an export's size). */
  readonly dtype?: Extract<DType, 'F32' | 'F16' | 'BF16'>;
  readonly maxShardBytes?: number;
  readonly fsync?: boolean;
  /**
   * config.json to write instead of the one made from `config`: a base model's own file, all its
   * fields kept, for an export of a model continued from it.
   */
  readonly configJson?: Record<string, unknown>;
}

/** Write config.json and model.safetensors (or shards + index) for `weights` under `dir`. */
export async function saveHfModel(dir: string, config: LlamaConfig, weights: ReadonlyMap<string, Float32Array>, options: SaveHfOptions = {}): Promise<void> {
  const specs = parameterSpecs(config);
  for (const spec of specs) {
    const data = weights.get(spec.name);
    if (!data) throw new ModelConfigError(`cannot save: missing weight "${spec.name}"`);
    if (data.length !== elementCount(spec.shape)) {
      throw new ModelConfigError(`cannot save: "${spec.name}" has ${data.length} values, shape ${JSON.stringify(spec.shape)} needs ${elementCount(spec.shape)}`);
    }
  }
  await mkdir(dir, { recursive: true });
  const config_ = options.configJson ?? { ...toHfConfigJson(config), torch_dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[options.dtype ?? 'F32'] };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config_, null, 2) + '\n');
  await saveSafetensorsModel(
    dir,
    specs.map((s) => [s.name, { shape: s.shape, data: weights.get(s.name)!, dtype: options.dtype ?? 'F32' }]),
    { maxShardBytes: options.maxShardBytes, fsync: options.fsync },
  );
}
