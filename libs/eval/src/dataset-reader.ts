import * as fs from 'node:fs';
import * as path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DatasetSpec } from './task-definition';
import { Doc } from './template';

/** A task data file is missing, unreadable, or lacks the columns the task needs. */
export class TaskDataError extends Error {}

/**
 * File name patterns tried, in order, for one split of a dataset directory. They are the layouts
 * `huggingface-cli download --repo-type dataset` produces for the benchmarks' hub repositories
 * (`<config>/<split>-00000-of-00001.parquet`, `data/<split>-*.parquet`), the hub's parquet-converter
 * branch (`<config>/<split>/0000.parquet`) and JSONL exports (`<split>.jsonl`).
 */
function candidatePatterns(config: string | null | undefined, split: string): string[] {
  const dirs = config ? [config, `${config}/data`, 'data', ''] : ['data', 'default', ''];
  const out: string[] = [];
  for (const dir of dirs) {
    const p = dir ? `${dir}/` : '';
    out.push(`${p}${split}-*.parquet`, `${p}${split}.parquet`, `${p}${split}/*.parquet`, `${p}${split}.jsonl`, `${p}${split}-*.jsonl`);
  }
  return out;
}

function globOne(root: string, pattern: string): string[] {
  const dir = path.join(root, path.dirname(pattern));
  const base = path.basename(pattern);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  const re = new RegExp(`^${base.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return fs
    .readdirSync(dir)
    .filter((name) => re.test(name) && fs.statSync(path.join(dir, name)).isFile())
    .sort()
    .map((name) => path.join(dir, name));
}

/** The data files of one split (shards in name order), or a TaskDataError saying what was looked for. */
export function findSplitFiles(dataRoot: string, dataset: DatasetSpec, split: string, requiredColumns: string[]): string[] {
  const root = path.resolve(dataRoot, dataset.path);
  const explicit = dataset.files?.[split];
  if (explicit) {
    const files = explicit.map((f) => path.resolve(root, f));
    for (const f of files) {
      if (!fs.existsSync(f)) {
        throw new TaskDataError(`missing task data file ${f} (split "${split}" of ${dataset.path}; expected columns: ${requiredColumns.join(', ')})`);
      }
    }
    return files;
  }
  const patterns = candidatePatterns(dataset.name, split);
  for (const pattern of patterns) {
    const files = globOne(root, pattern);
    if (files.length > 0) return files;
  }
  throw new TaskDataError(
    `no data file for split "${split}" of ${dataset.path}${dataset.name ? ` (config ${dataset.name})` : ''} under ${root}; ` +
      `looked for ${patterns.map((p) => path.join(root, p)).join(', ')}; ` +
      `expected a Parquet or JSONL file with columns: ${requiredColumns.join(', ')}`,
  );
}

/** Reads one split as documents, checking that every row has the required columns. */
export async function readSplit(dataRoot: string, dataset: DatasetSpec, split: string, requiredColumns: string[]): Promise<Doc[]> {
  const docs: Doc[] = [];
  for (const file of findSplitFiles(dataRoot, dataset, split, requiredColumns)) {
    const rows = file.endsWith('.parquet') ? await readParquet(file, requiredColumns) : readJsonl(file, requiredColumns);
    for (const row of rows) docs.push(row);
  }
  return docs;
}

async function readParquet(file: string, requiredColumns: string[]): Promise<Doc[]> {
  let rows: Record<string, unknown>[];
  try {
    const bytes = fs.readFileSync(file);
    // benchmark splits are small (MMLU's largest test file is ~1 MB): read whole, hand hyparquet an ArrayBuffer
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows = await parquetReadObjects({ file: buffer, compressors });
  } catch (err) {
    throw new TaskDataError(`cannot read Parquet file ${file}: ${(err as Error).message} (expected columns: ${requiredColumns.join(', ')})`);
  }
  return rows.map((row, i) => checkRow(normaliseValue(row) as Doc, requiredColumns, file, `row ${i}`));
}

function readJsonl(file: string, requiredColumns: string[]): Doc[] {
  const docs: Doc[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new TaskDataError(`malformed JSON in ${file} line ${i + 1}: ${(err as Error).message} (expected one object per line with columns: ${requiredColumns.join(', ')})`);
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new TaskDataError(`${file} line ${i + 1} is not a JSON object (expected columns: ${requiredColumns.join(', ')})`);
    }
    docs.push(checkRow(row as Doc, requiredColumns, file, `line ${i + 1}`));
  });
  return docs;
}

function checkRow(row: Doc, requiredColumns: string[], file: string, where: string): Doc {
  const missing = requiredColumns.filter((c) => !(c in row) || row[c] === undefined);
  if (missing.length > 0) {
    throw new TaskDataError(
      `${file} ${where} lacks column(s) ${missing.join(', ')}; expected columns: ${requiredColumns.join(', ')}; found: ${Object.keys(row).join(', ')}`,
    );
  }
  return row;
}

// Parquet INT64 arrives as bigint; benchmark labels and ids fit a double, and the prompt logic
// (indexing, Python-style str()) expects plain numbers.
function normaliseValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normaliseValue(v);
    return out;
  }
  return value;
}
