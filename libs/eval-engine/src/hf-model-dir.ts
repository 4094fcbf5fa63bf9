// Reads what evaluation needs from a Hugging Face model directory (what `save_pretrained` writes and
// what cptflow's trainer exports): config.json, model.safetensors (or its shards) and the tokenizer.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HfTokenizer } from '../../eval/src';
import { LlamaArchitecture, parameterShapes } from '../../llama/src';
import { LlamaConfig, loadLlamaConfig } from '../../model-config/src';
import { SafetensorsModel } from '../../safetensors/src';

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

export async function loadHfModelDir(dir: string): Promise<HfModelDir> {
  const config = await loadLlamaConfig(dir);
  const architecture = architectureOf(config);
  const model = await SafetensorsModel.open(dir);
  try {
    const weights = new Map<string, Float32Array>();
    for (const p of parameterShapes(architecture)) {
      if (!model.has(p.name)) throw new ModelDirError(`${dir}: the weights have no tensor "${p.name}" (config.json describes ${architecture.numLayers} layers${architecture.tieWordEmbeddings ? ', tied embeddings' : ''})`);
      const info = await model.info(p.name);
      if (info.shape.join(',') !== p.shape.join(',')) throw new ModelDirError(`${dir}: "${p.name}" has shape [${info.shape}], config.json implies [${p.shape}]`);
      weights.set(p.name, await model.readFloat32(p.name));
    }
    return { dir, config, architecture, weights };
  } finally {
    await model.close();
  }
}

type SpecialToken = string | { content?: string } | null | undefined;

function tokenText(t: SpecialToken): string | undefined {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof t.content === 'string') return t.content;
  return undefined;
}

/**
 * The model's tokenizer from `tokenizer.json`, with BOS/EOS from `tokenizer_config.json` when the
 * directory has one (the harness resolves them through AutoTokenizer the same way).
 */
export async function loadHfTokenizer(dir: string): Promise<HfTokenizer> {
  const tokenizerJson = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerJson)) throw new ModelDirError(`${dir}: no tokenizer.json (the evaluator needs the fast-tokenizer file)`);
  const configPath = join(dir, 'tokenizer_config.json');
  let special: { bosToken?: string; eosToken?: string } = {};
  if (existsSync(configPath)) {
    let raw: { bos_token?: SpecialToken; eos_token?: SpecialToken };
    try {
      raw = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (err) {
      throw new ModelDirError(`${configPath}: not valid JSON (${(err as Error).message})`);
    }
    special = { bosToken: tokenText(raw.bos_token), eosToken: tokenText(raw.eos_token) };
  }
  try {
    return await HfTokenizer.fromFile(tokenizerJson, special);
  } catch (err) {
    // An empty or garbage file: say which file, as a model-directory problem (the evaluator dead-letters it).
    throw new ModelDirError(`${tokenizerJson}: not a usable tokenizer (${(err as Error).message})`);
  }
}
