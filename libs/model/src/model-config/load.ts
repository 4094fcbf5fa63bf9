import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LlamaConfig, ModelConfigError, parseLlamaConfig } from './llama-config';

/** Read `<dir>/config.json` (or a path to the file itself). */
export async function loadLlamaConfig(dirOrFile: string): Promise<LlamaConfig> {
  const path = dirOrFile.endsWith('.json') ? dirOrFile : join(dirOrFile, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ModelConfigError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseLlamaConfig(text, path);
}
