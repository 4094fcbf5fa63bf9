// The model on disk: where training starts (a Hugging Face directory, or seeded random weights for
// tests) and the Hugging Face export written next to every checkpoint, so the evaluator and users
// can open it with `transformers` (HF tensor names, config.json, the tokenizer files).
import { copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LlamaConfig, initParameters, loadHfModel, parseLlamaConfig, saveHfModel, toHfConfigJson } from '../../model-config/src';

export type ModelStart = { kind: 'base'; dir: string } | { kind: 'random'; config: LlamaConfig; seed: number };

export interface LoadedModel {
  config: LlamaConfig;
  /** config.json to write into exports: the base model's own (all its fields kept) or one made from the config. */
  configJson: Record<string, unknown>;
  params: Map<string, Float32Array>;
}

/** The starting weights, checked against the architecture's expected tensor names and shapes. */
export async function loadStartingModel(start: ModelStart): Promise<LoadedModel> {
  if (start.kind === 'random') {
    return { config: start.config, configJson: toHfConfigJson(start.config), params: initParameters(start.config, start.seed) };
  }
  // libs/model-config's loader checks every tensor's presence and shape; config.json is kept whole
  // so that exports carry the base model's own fields
  const { config, weights } = await loadHfModel(start.dir);
  const configJson = JSON.parse(await readFile(join(start.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  return { config, configJson, params: weights };
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.model'];

export const HF_EXPORT_DIR = 'hf';

/**
 * Write `<checkpointDir>/hf/` (config.json, model.safetensors, tokenizer files) through a temporary
 * directory renamed into place, so `hf/` either is complete or does not exist.
 */
export async function writeHfExport(
  checkpointDir: string,
  configJson: Record<string, unknown>,
  params: ReadonlyMap<string, Float32Array>,
  tokenizerPath: string,
): Promise<string> {
  const finalDir = join(checkpointDir, HF_EXPORT_DIR);
  if (await exists(join(finalDir, 'model.safetensors'))) return finalDir;
  const tempDir = join(checkpointDir, `.${HF_EXPORT_DIR}.tmp-${process.pid}`);
  await rm(tempDir, { recursive: true, force: true });
  await mkdir(tempDir, { recursive: true });
  await saveHfModel(tempDir, parseLlamaConfig(configJson), params, { configJson, fsync: true });
  const tokenizerDir = dirname(tokenizerPath);
  for (const file of TOKENIZER_FILES) {
    const from = file === 'tokenizer.json' ? tokenizerPath : join(tokenizerDir, file);
    if (await exists(from)) await copyFile(from, join(tempDir, file === 'tokenizer.json' ? 'tokenizer.json' : basename(from)));
  }
  await rm(finalDir, { recursive: true, force: true });
  await rename(tempDir, finalDir);
  return finalDir;
}

export async function hasHfExport(checkpointDir: string): Promise<boolean> {
  return exists(join(checkpointDir, HF_EXPORT_DIR, 'model.safetensors'));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
