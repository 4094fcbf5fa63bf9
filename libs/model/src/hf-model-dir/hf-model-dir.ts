// Reads what evaluation needs from a Hugging Face model directory (what `save_pretrained` writes and
// what cptflow's trainer exports): config.json, model.safetensors (or its shards) and the tokenizer.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HfTokenizer } from './tokenizer';
import { LlamaArchitecture } from '../llama';
import { LlamaConfig, loadHfModel, readTokenizerConfig } from '../model-config';

export class ModelDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelDirError';
  }
}

export interface HfModelDir {
  dir: string;
  config: LlamaConfig;
  architecture: LlamaArchitecture;
  /** Every parameter the architecture needs, as float32 (bf16/fp16 checkpoints are widened). */
  weights: Map<string, Float32Array>;
}

export function architectureOf(config: LlamaConfig): LlamaArchitecture {
  return {
    vocabSize: config.vocabSize,
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers,
    numHeads: config.numHeads,
    numKvHeads: config.numKvHeads,
    headDim: config.headDim,
    intermediateSize: config.intermediateSize,
    rmsNormEps: config.rmsNormEps,
    ropeTheta: config.ropeTheta,
    tieWordEmbeddings: config.tieWordEmbeddings,
  };
}

/** The model directory's config and weights (libs/model/src/model-config's loader), with the graph architecture. */
export async function loadHfModelDir(dir: string): Promise<HfModelDir> {
  const { config, weights } = await loadHfModel(dir);
  return { dir, config, architecture: architectureOf(config), weights };
}

/**
 * The model's tokenizer from `tokenizer.json`, with BOS/EOS from `tokenizer_config.json` when the
 * directory has one (the harness resolves them through AutoTokenizer the same way).
 */
export async function loadHfTokenizer(dir: string): Promise<HfTokenizer> {
  const tokenizerJson = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerJson)) throw new ModelDirError(`${dir}: no tokenizer.json (the evaluator needs the fast-tokenizer file)`);
  const { bosToken, eosToken } = readTokenizerConfig(dir);
  try {
    return await HfTokenizer.fromFile(tokenizerJson, { bosToken, eosToken });
  } catch (err) {
    // An empty or garbage file: say which file, as a model-directory problem (the evaluator dead-letters it).
    throw new ModelDirError(`${tokenizerJson}: not a usable tokenizer (${(err as Error).message})`);
  }
}
