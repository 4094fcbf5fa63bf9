// Resolves what the user named (a file, a folder, or a glob) into the files to read, in a stable order.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compressionFromName } from './byte-stream';
import { expandGlob, GlobError, isGlob } from './glob';
import { Compression, ReaderOptions, SourceFormat } from './reader-options';

export interface SourceFile {
  path: string;
  format: SourceFormat;
  compression: Compression;
  /** Size on disk (compressed), the unit progress is measured in. */
  bytes: number;
}

/** One error type for "the thing you asked to ingest cannot be read", raised before any record is read. */
export class IngestSourceError extends Error {
  override readonly name = 'IngestSourceError';
}

/**
 * The format a file name implies, or undefined. ".jsonl", ".ndjson" and ".json" are all read as JSON Lines
 * (C4 and others ship JSON Lines as ".json.gz"), each optionally ".gz" or ".zst".
 */
export function formatFromName(name: string, textExtensions: readonly string[]): SourceFormat | undefined {
  const lower = name.toLowerCase().replace(/\.(gz|gzip|zst|zstd)$/, '');
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  if (textExtensions.some((ext) => name.toLowerCase().endsWith(ext.toLowerCase()))) return 'text';
  return undefined;
}

export async function resolveSourceFiles(pathOrGlob: string, options: ReaderOptions): Promise<SourceFile[]> {
  const named: string[] = isGlob(pathOrGlob) ? await expandGlob(pathOrGlob).catch(unlessBadGlob) : [pathOrGlob];
  const files: SourceFile[] = [];
  for (const path of named) {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      if (isGlob(pathOrGlob)) return undefined; // a dangling link matched by a glob is skipped
      throw new IngestSourceError(`cannot read ${path}: ${err.code ?? err.message}`);
    });
    if (!info) continue;
    if (info.isDirectory()) {
      if (isGlob(pathOrGlob)) continue;
      files.push(...(await filesInFolder(path, options)));
    } else if (info.isFile()) {
      const format = options.format ?? formatFromName(path, options.textExtensions);
      if (!format) {
        if (isGlob(pathOrGlob)) continue;
        throw new IngestSourceError(`${path}: unknown file type (expected .jsonl[.gz|.zst], .parquet or ${options.textExtensions.join('/')}); set format`);
      }
      files.push({ path, format, compression: options.compression ?? compressionFromName(path), bytes: info.size });
    }
  }
  if (files.length === 0) throw new IngestSourceError(`nothing to ingest at ${pathOrGlob}`);
  return files;
}

/** A base folder that cannot be walked matches nothing; a pattern that cannot be compiled is the user's error. */
function unlessBadGlob(err: unknown): string[] {
  if (err instanceof GlobError) throw new IngestSourceError(err.message);
  return [];
}

/** Every readable file below a folder, recursively, in name order; other files are ignored. */
async function filesInFolder(folder: string, options: ReaderOptions): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      out.push(...(await filesInFolder(path, options)));
      continue;
    }
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const format = formatFromName(entry.name, options.textExtensions);
    if (format) out.push({ path, format, compression: compressionFromName(entry.name), bytes: info.size });
  }
  return out;
}
