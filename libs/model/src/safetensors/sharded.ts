// A model's weights as Hugging Face lays them out in a directory: either one `model.safetensors`,
// or shards `model-00001-of-0000N.safetensors` listed by `model.safetensors.index.json`, whose
// `weight_map` names the shard holding each tensor. Reading opens shards lazily; writing splits by a
// byte budget the way `save_pretrained(max_shard_size=...)` does.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DTYPE_BYTES, dtypeOfArray, TensorData } from './dtypes';
import { SafetensorsError, TensorInfo } from './header';
import { SafetensorsReader } from './reader';
import { TensorToWrite, writeSafetensors } from './writer';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface ShardIndex {
  metadata?: { total_size?: number; [key: string]: unknown };
  weight_map: Record<string, string>;
}

export class SafetensorsModel {
  private readonly readers = new Map<string, Promise<SafetensorsReader>>();

  private constructor(
    readonly dir: string,
    /** tensor name -> file name inside `dir` */
    readonly weightMap: ReadonlyMap<string, string>,
  ) {}

  /** Open `dir` (sharded via its index, or a single model.safetensors). */
  static async open(dir: string): Promise<SafetensorsModel> {
    const indexPath = join(dir, INDEX_FILE);
    if (existsSync(indexPath)) {
      const index = parseIndex(await readFile(indexPath, 'utf8'), indexPath);
      return new SafetensorsModel(dir, new Map(Object.entries(index.weight_map)));
    }
    const single = join(dir, SINGLE_FILE);
    if (!existsSync(single)) {
      throw new SafetensorsError(`${dir}: neither ${INDEX_FILE} nor ${SINGLE_FILE} found`);
    }
    const reader = await SafetensorsReader.open(single);
    const model = new SafetensorsModel(dir, new Map(reader.names().map((n) => [n, SINGLE_FILE])));
    model.readers.set(SINGLE_FILE, Promise.resolve(reader));
    return model;
  }

  names(): string[] {
    return [...this.weightMap.keys()];
  }

  has(name: string): boolean {
    return this.weightMap.has(name);
  }

  async info(name: string): Promise<TensorInfo> {
    return (await this.readerFor(name)).info(name);
  }

  async read(name: string): Promise<TensorData> {
    return (await this.readerFor(name)).read(name);
  }

  async readFloat32(name: string): Promise<Float32Array> {
    return (await this.readerFor(name)).readFloat32(name);
  }

  async close(): Promise<void> {
    const readers = await Promise.allSettled(this.readers.values());
    this.readers.clear();
    await Promise.all(readers.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }

  private async readerFor(name: string): Promise<SafetensorsReader> {
    const file = this.weightMap.get(name);
    if (file === undefined) throw new SafetensorsError(`${this.dir}: no tensor named "${name}"`);
    let reader = this.readers.get(file);
    if (!reader) {
      reader = SafetensorsReader.open(join(this.dir, file));
      this.readers.set(file, reader);
    }
    const opened = await reader;
    if (!opened.has(name)) {
      throw new SafetensorsError(`${this.dir}: ${INDEX_FILE} maps "${name}" to ${file}, which does not contain it`);
    }
    return opened;
  }
}

function parseIndex(text: string, path: string): ShardIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const map = (raw as ShardIndex | null)?.weight_map;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new SafetensorsError(`${path}: missing "weight_map" object`);
  }
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== 'string' || file.includes('/') || file.includes('\\') || file.startsWith('.')) {
      throw new SafetensorsError(`${path}: weight_map entry "${name}" has an invalid file ${JSON.stringify(file)}`);
    }
  }
  return raw as ShardIndex;
}

export interface SaveModelOptions {
  /** Start a new shard before a tensor that would take the current one past this many bytes. */
  readonly maxShardBytes?: number;
  readonly metadata?: Record<string, string>;
  readonly fsync?: boolean;
}

/** Write tensors into `dir` as one file, or as shards plus an index when they exceed maxShardBytes. */
export async function saveSafetensorsModel(
  dir: string,
  tensors: Iterable<[string, TensorToWrite]>,
  options: SaveModelOptions = {},
): Promise<{ files: string[]; totalBytes: number }> {
  const list = [...tensors];
  const sizeOf = (t: TensorToWrite) => t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype ?? dtypeOfArray(t.data)];
  const limit = options.maxShardBytes ?? Infinity;
  const shards: Array<Array<[string, TensorToWrite]>> = [[]];
  let current = 0;
  for (const entry of list) {
    const size = sizeOf(entry[1]);
    if (current > 0 && current + size > limit) {
      shards.push([]);
      current = 0;
    }
    shards[shards.length - 1].push(entry);
    current += size;
  }
  const totalBytes = list.reduce((sum, [, t]) => sum + sizeOf(t), 0);
  const metadata = { format: 'pt', ...options.metadata };
  if (shards.length === 1) {
    await writeSafetensors(join(dir, SINGLE_FILE), list, { metadata, fsync: options.fsync });
    return { files: [SINGLE_FILE], totalBytes };
  }
  const width = 5;
  const files = shards.map(
    (_, i) => `model-${String(i + 1).padStart(width, '0')}-of-${String(shards.length).padStart(width, '0')}.safetensors`,
  );
  await Promise.all(shards.map((shard, i) => writeSafetensors(join(dir, files[i]), shard, { metadata, fsync: options.fsync })));
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => shard.forEach(([name]) => (weightMap[name] = files[i])));
  const index: ShardIndex = { metadata: { total_size: totalBytes }, weight_map: weightMap };
  await writeFile(join(dir, INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
  return { files: [...files, INDEX_FILE], totalBytes };
}
