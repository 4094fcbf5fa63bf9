// The model on disk: where training starts (a Hugging Face directory, or seeded random weights for
// tests) and the Hugging Face export written next to every checkpoint, so the evaluator and users
// can open it with `transformers` (HF tensor names, config.json, the tokenizer files).
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { digestFiles, FileDigest, fsyncDir, verifyFileDigests } from '../checkpoint';
import { LlamaConfig, initParameters, loadHfModel, ModelConfigError, parseLlamaConfig, SafetensorsError, saveHfModel, toHfConfigJson } from '@cptflow/model';
import { ConfigError } from '@cptflow/platform';

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
  // libs/model/src/model-config's loader checks every tensor's presence and shape; config.json is kept whole
  // so that exports carry the base model's own fields
  const { config, weights } = await loadHfModel(start.dir).catch((err: Error) => {
    // The starting model is a setting (a base model directory): unusable files are exit 2 naming them.
    throw err instanceof ModelConfigError || err instanceof SafetensorsError ? new ConfigError(err.message) : err;
  });
  const configJson = JSON.parse(await readFile(join(start.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  return { config, configJson, params: weights };
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.model'];

export const HF_EXPORT_DIR = 'hf';
/** Written last into an export: every other file with its size and sha256. */
export const HF_EXPORT_MANIFEST = 'export-manifest.json';
const EXPORT_MANIFEST_FORMAT = 'cptflow-hf-export';

export interface HfExport {
  readonly dir: string;
  /** Every file of the export but the manifest, as the manifest lists them. */
  readonly files: readonly FileDigest[];
}

/**
 * Write `<checkpointDir>/hf/` (config.json, model.safetensors, tokenizer files, and last
 * export-manifest.json with each file's size and sha256) through a temporary directory renamed into
 * place, every file and both directories fsynced, so `hf/` either is complete or does not exist.
 * An export already there is kept only if every file matches its manifest.
 */
export async function writeHfExport(
  checkpointDir: string,
  configJson: Record<string, unknown>,
  params: ReadonlyMap<string, Float32Array>,
  tokenizerPath: string,
): Promise<HfExport> {
  const existing = await readHfExport(checkpointDir);
  if (existing) return existing;
  const finalDir = join(checkpointDir, HF_EXPORT_DIR);
  const tempDir = join(checkpointDir, `.${HF_EXPORT_DIR}.tmp-${process.pid}`);
  await rm(tempDir, { recursive: true, force: true });
  await mkdir(tempDir, { recursive: true });
  await saveHfModel(tempDir, parseLlamaConfig(configJson), params, { configJson, fsync: true });
  const tokenizerDir = dirname(tokenizerPath);
  for (const file of TOKENIZER_FILES) {
    const from = file === 'tokenizer.json' ? tokenizerPath : join(tokenizerDir, file);
    const to = join(tempDir, file === 'tokenizer.json' ? 'tokenizer.json' : basename(from));
    if (await exists(from)) {
      await copyFile(from, to);
      await syncFile(to);
    }
  }
  const files = await digestFiles(tempDir, (await readdir(tempDir)).sort());
  await writeSynced(join(tempDir, HF_EXPORT_MANIFEST), JSON.stringify({ format: EXPORT_MANIFEST_FORMAT, files }, null, 2) + '\n');
  await fsyncDir(tempDir);
  await rm(finalDir, { recursive: true, force: true });
  await rename(tempDir, finalDir);
  await fsyncDir(checkpointDir);
  return { dir: finalDir, files };
}

/** The checkpoint's export if its manifest is there and every file it lists verifies; else null (write it again). */
export async function readHfExport(checkpointDir: string): Promise<HfExport | null> {
  const dir = join(checkpointDir, HF_EXPORT_DIR);
  try {
    const manifest = JSON.parse(await readFile(join(dir, HF_EXPORT_MANIFEST), 'utf8')) as { format?: unknown; files?: FileDigest[] };
    if (manifest.format !== EXPORT_MANIFEST_FORMAT || !Array.isArray(manifest.files) || manifest.files.length === 0) return null;
    await verifyFileDigests(dir, manifest.files);
    return { dir, files: manifest.files };
  } catch {
    return null;
  }
}

async function writeSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
