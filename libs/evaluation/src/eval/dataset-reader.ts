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

/**
 * Where a dataset's files may sit under the data root: `<root>/<org>/<name>` (the repository path),
 * the hub cache a dataset download leaves (`<root>/datasets--<org>--<name>/snapshots/<revision>`,
 * newest revision first), and `<root>/<name>` (`--local-dir <name>`).
 */
function datasetRoots(dataRoot: string, dataset: DatasetSpec): string[] {
  const roots = [path.resolve(dataRoot, dataset.path)];
  const snapshots = path.resolve(dataRoot, `datasets--${dataset.path.split('/').join('--')}`, 'snapshots');
  if (isDirectory(snapshots)) {
    const revisions = fs.readdirSync(snapshots).map((r) => path.join(snapshots, r)).filter(isDirectory);
    revisions.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs || a.localeCompare(b));
    roots.push(...revisions);
  } else {
    roots.push(path.join(snapshots, '*')); // not there: named in the report as the pattern a download would fill
  }
  const name = path.basename(dataset.path);
  if (name !== dataset.path) roots.push(path.resolve(dataRoot, name));
  return roots;
}

function isDirectory(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isDirectory();
}

function globOne(root: string, pattern: string): string[] {
  const dir = path.join(root, path.dirname(pattern));
  const base = path.basename(pattern);
  if (!isDirectory(dir)) return [];
  const re = new RegExp(`^${base.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return fs
    .readdirSync(dir)
    .filter((name) => re.test(name) && fs.statSync(path.join(dir, name)).isFile())
    .sort()
    .map((name) => path.join(dir, name));
}

/** A split's files, or every path pattern that was tried when none matched. */
export type SplitLocation = { found: true; files: string[] } | { found: false; tried: string[]; patterns: string[] };

/**
 * Finds one split without throwing. Order: the task's own flat folder (`<root>/<task>/<split>.jsonl`
 * or `.parquet`, when a task name is given), then each dataset root with the hub patterns.
 */
export function locateSplit(dataRoot: string, dataset: DatasetSpec, split: string, task?: string): SplitLocation {
  const explicit = dataset.files?.[split];
  if (explicit) {
    const files = explicit.map((f) => path.resolve(dataRoot, dataset.path, f));
    const missing = files.filter((f) => !fs.existsSync(f));
    return missing.length === 0 ? { found: true, files } : { found: false, tried: missing, patterns: missing };
  }
  const tried: string[] = [];
  const attempts: Array<[string, string]> = [];
  const flat = [`${split}.jsonl`, `${split}.parquet`, `${split}-*.parquet`];
  if (task) for (const pattern of flat) attempts.push([path.resolve(dataRoot, task), pattern]);
  const roots = datasetRoots(dataRoot, dataset);
  for (const root of roots) for (const pattern of candidatePatterns(dataset.name, split)) attempts.push([root, pattern]);
  for (const [root, pattern] of attempts) {
    const files = globOne(root, pattern);
    if (files.length > 0) return { found: true, files };
    tried.push(path.join(root, pattern));
  }
  // the same search in brace notation, relative to the data root, for a one-line report
  const dirs = dataset.name ? [`${dataset.name}/`, `${dataset.name}/data/`, 'data/', ''] : ['data/', 'default/', ''];
  const names = `${split}{-*.parquet,.parquet,/*.parquet,.jsonl,-*.jsonl}`;
  const relative = (p: string) => path.relative(path.resolve(dataRoot), p) || '.';
  const patterns = [
    ...(task ? [`${task}/${split}{.jsonl,.parquet,-*.parquet}`] : []),
    ...roots.map((root) => `${relative(root)}/{${dirs.join(',')}}${names}`),
  ];
  return { found: false, tried, patterns };
}

/** The data files of one split (shards in name order), or a TaskDataError saying what was looked for. */
export function findSplitFiles(dataRoot: string, dataset: DatasetSpec, split: string, requiredColumns: string[], task?: string): string[] {
  const location = locateSplit(dataRoot, dataset, split, task);
  if (location.found) return location.files;
  if (dataset.files?.[split]) {
    throw new TaskDataError(`missing task data file ${location.tried.join(', ')} (split "${split}" of ${dataset.path}; expected columns: ${requiredColumns.join(', ')})`);
  }
  throw new TaskDataError(
    `no data file for split "${split}" of ${dataset.path}${dataset.name ? ` (config ${dataset.name})` : ''} under ${path.resolve(dataRoot)}; ` +
      `looked for ${location.tried.join(', ')}; ` +
      `expected a Parquet or JSONL file with columns: ${requiredColumns.join(', ')}`,
  );
}

/** Reads one split as documents, checking that every row has the required columns. */
export async function readSplit(dataRoot: string, dataset: DatasetSpec, split: string, requiredColumns: string[], task?: string): Promise<Doc[]> {
  const docs: Doc[] = [];
  for (const file of findSplitFiles(dataRoot, dataset, split, requiredColumns, task)) {
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
