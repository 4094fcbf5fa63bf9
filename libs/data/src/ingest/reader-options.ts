// The knobs every reader shares. One place for defaults so the CLI, HTTP and tests agree.

export type SourceFormat = 'jsonl' | 'parquet' | 'text';

/**
 * The values of Document.corpus: "domain" is learned, "replay" is general text mixed in against
 * forgetting (the packer routes it to its own topic). Anything else would silently train as domain.
 */
export const CORPORA = ['domain', 'replay'] as const;
export type Compression = 'none' | 'gzip' | 'zstd';

export interface ReaderOptions {
  /** Column (JSON key) holding the document text. FineWeb, FineWeb-Edu, C4 and Dolma all use "text". */
  textField: string;
  /** Column holding the source's own document id; when absent or empty, the id is a content hash. */
  idField: string;
  /** Column copied into Document.url. */
  urlField: string;
  /**
   * Largest accepted text, in UTF-8 bytes. A guard against runaway records (a whole dump on one line),
   * not a quality judgement: the quality filter decides about long documents.
   */
  maxDocumentBytes: number;
  /** Largest raw record (one JSONL line) the reader will hold in memory before calling it oversize. */
  maxRecordBytes: number;
  /** How much of an oversize record's bytes travel on in the dead letter. */
  maxRejectedBytes: number;
  /** Document.corpus: "domain" for the corpus being learned, "replay" for general data. */
  corpus: string;
  /** Overrides Document.source (for example an upload's name); defaults to the file path. */
  sourceLabel?: string;
  /** Forces the format instead of guessing it from the file name. */
  format?: SourceFormat;
  /** Forces the compression instead of guessing it from the file name. */
  compression?: Compression;
  /** File names a folder walk treats as one-document text files. */
  textExtensions: string[];
  /**
   * Most bytes one compressed source (a .gz/.zst file, an upload, a Parquet file's column chunks) may
   * decompress to. Past it the file is dead-lettered as `decompression_limit`, an upload refused (413).
   */
  maxDecompressedBytes: number;
  /** Most decompressed bytes per compressed byte (text compresses 3-10x; a bomb 1000x). */
  maxExpansionRatio: number;
  /** Decompressed output below this size is not judged by its ratio (tiny files compress oddly). */
  expansionFloorBytes: number;
  /** Deepest JSON nesting a record may have; deeper records are dead-lettered as `too_deep`. */
  maxNestingDepth: number;
  /** Read size for files; bounds how much raw data is in flight per source. */
  readChunkBytes: number;
  /**
   * Keep only rows whose `int_score` column (FineWeb-Edu's educational score, 0-5) is at least this, as
   * FineWeb-Edu is used (the published dataset keeps int_score >= 3). The others, and rows without a
   * numeric int_score, become rejections (filter "ingest", rule "int_score", the row's value and this
   * threshold) counted like any quality-filter rejection. Off when undefined.
   */
  minIntScore?: number;
  /** Clock for Document.ingestedAtMs (tests pin it). */
  now: () => number;
}

const MiB = 1024 * 1024;

export const DEFAULT_READER_OPTIONS: ReaderOptions = {
  textField: 'text',
  idField: 'id',
  urlField: 'url',
  maxDocumentBytes: 4 * MiB,
  // JSON escaping makes a line longer than its text; twice the text budget covers ordinary escaping.
  maxRecordBytes: 8 * MiB + 64 * 1024,
  maxRejectedBytes: 64 * 1024,
  corpus: 'domain',
  textExtensions: ['.txt', '.md'],
  maxDecompressedBytes: 16 * 1024 * MiB,
  maxExpansionRatio: 32,
  expansionFloorBytes: MiB,
  maxNestingDepth: 64,
  readChunkBytes: 64 * 1024,
  now: () => Date.now(),
};

/** Fills in defaults; when only maxDocumentBytes is given, the record budget follows it. */
export function resolveReaderOptions(partial: Partial<ReaderOptions> = {}): ReaderOptions {
  const merged: ReaderOptions = { ...DEFAULT_READER_OPTIONS, ...withoutUndefined(partial) };
  if (partial.maxDocumentBytes !== undefined && partial.maxRecordBytes === undefined) {
    merged.maxRecordBytes = 2 * partial.maxDocumentBytes + 64 * 1024;
  }
  for (const key of [
    'maxDocumentBytes',
    'maxRecordBytes',
    'maxRejectedBytes',
    'readChunkBytes',
    'maxDecompressedBytes',
    'maxExpansionRatio',
    'expansionFloorBytes',
    'maxNestingDepth',
  ] as const) {
    if (!Number.isInteger(merged[key]) || merged[key] <= 0) {
      throw new RangeError(`reader option ${key} must be a positive integer, got ${String(merged[key])}`);
    }
  }
  if (merged.minIntScore !== undefined && !Number.isFinite(merged.minIntScore)) {
    throw new RangeError(`reader option minIntScore must be a number, got ${String(merged.minIntScore)}`);
  }
  if (!merged.textField) throw new RangeError('reader option textField must not be empty');
  return merged;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
