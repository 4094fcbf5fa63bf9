// The entry point: name files (path, folder or glob) or hand over a byte stream, get items back.
// Items are pulled one at a time, so reading proceeds only as fast as the consumer publishes.
import { basename } from 'node:path';
import { countingBytes, decompressed, DecompressionLimitError, fileChunks } from './byte-stream';
import { IngestItem, itemSource, rejectedItem } from './ingest-item';
import { IngestStats } from './ingest-stats';
import { readJsonl } from './jsonl-reader';
import { readParquet } from './parquet-reader';
import { Compression, ReaderOptions, resolveReaderOptions } from './reader-options';
import { resolveSourceFiles, SourceFile } from './source-files';
import { readTextFile } from './text-file-reader';

export interface IngestProgress {
  /** Raw (compressed, on-disk or on-the-wire) bytes consumed so far. */
  bytesRead: number;
  /** Raw bytes in all, when known. */
  bytesTotal?: number;
  documents: number;
  rejected: number;
  /** Documents the reader's filter did not keep (ReaderOptions.minIntScore). */
  filtered?: number;
}

export interface IngestRun extends AsyncIterable<IngestItem> {
  /** The files this run reads (empty for a stream). */
  readonly files: readonly SourceFile[];
  /** Per-source counts, updated as items are yielded. */
  readonly stats: IngestStats;
  progress(): IngestProgress;
}

export type IngestOptions = Partial<ReaderOptions>;

/** Reads a file, a folder (recursively) or a glob. Throws IngestSourceError when nothing readable is named. */
export async function openSource(pathOrGlob: string, options: IngestOptions = {}): Promise<IngestRun> {
  const resolved = resolveReaderOptions(options);
  return openFiles(await resolveSourceFiles(pathOrGlob, resolved), resolved);
}

/** Reads files already resolved (and, for the HTTP path endpoint, already checked against the ingest roots). */
export function openFiles(files: readonly SourceFile[], options: IngestOptions = {}): IngestRun {
  const resolved = resolveReaderOptions(options);
  const bytesTotal = files.reduce((sum, f) => sum + f.bytes, 0);
  return new ItemRun(files, bytesTotal, (run) => readFiles(files, resolved, run));
}

export interface StreamSource {
  /** Source label for the documents (an upload's file name). */
  name: string;
  compression: Compression;
  /** Raw size when known (Content-Length), for progress. */
  bytes?: number;
}

/** Reads JSON Lines from a byte stream (an HTTP upload, stdin). */
export function openJsonlStream(bytes: AsyncIterable<Buffer>, stream: StreamSource, options: IngestOptions = {}): IngestRun {
  const resolved = resolveReaderOptions(options);
  return new ItemRun([], stream.bytes, (run) => readStream(bytes, stream, resolved, run));
}

type Producer = (run: ItemRun) => AsyncGenerator<IngestItem>;

class ItemRun implements IngestRun {
  readonly stats = new IngestStats();
  bytesRead = 0;
  private documents = 0;
  private rejected = 0;
  private filtered = 0;
  private started = false;

  constructor(
    readonly files: readonly SourceFile[],
    private readonly bytesTotal: number | undefined,
    private readonly produce: Producer,
  ) {}

  progress(): IngestProgress {
    return { bytesRead: this.bytesRead, bytesTotal: this.bytesTotal, documents: this.documents, rejected: this.rejected, filtered: this.filtered };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<IngestItem> {
    if (this.started) throw new Error('an ingest run can be iterated only once');
    this.started = true;
    for await (const item of this.produce(this)) {
      this.stats.record(itemSource(item), item);
      if (item.kind === 'document') this.documents++;
      else if (item.kind === 'filtered') this.filtered++;
      else this.rejected++;
      yield item;
    }
  }
}

async function* readFiles(files: readonly SourceFile[], options: ReaderOptions, run: ItemRun): AsyncGenerator<IngestItem> {
  for (const file of files) {
    const source = options.sourceLabel ?? file.path;
    run.stats.countsFor(source);
    const bytesBefore = run.bytesRead;
    try {
      if (file.format === 'parquet') {
        yield* readParquet(file.path, source, options, { onRowGroupBytes: (n) => (run.bytesRead += n) });
      } else if (file.format === 'text') {
        yield await readTextFile(file.path, source, options);
      } else {
        const raw = countingBytes(fileChunks(file.path, options.readChunkBytes), (n) => (run.bytesRead += n));
        yield* readJsonl(decompressed(raw, file.compression, options), source, options);
      }
    } catch (err) {
      yield unreadable(source, err);
    }
    // Parquet's row groups do not add up to the file (footer, page headers): settle on the file size.
    run.bytesRead = bytesBefore + file.bytes;
  }
}

async function* readStream(bytes: AsyncIterable<Buffer>, stream: StreamSource, options: ReaderOptions, run: ItemRun): AsyncGenerator<IngestItem> {
  const source = options.sourceLabel ?? stream.name;
  run.stats.countsFor(source);
  try {
    const raw = countingBytes(bytes, (n) => (run.bytesRead += n));
    yield* readJsonl(decompressed(raw, stream.compression, options), source, options);
  } catch (err) {
    if (isFatalForStream(err)) throw err;
    yield unreadable(source, err);
  }
}

/**
 * Errors the byte source raises to stop the whole run (an upload past its size limit) carry
 * `stopsIngest = true`; everything else is a broken source and becomes a dead letter.
 */
function isFatalForStream(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { stopsIngest?: unknown }).stopsIngest === true;
}

function unreadable(source: string, err: unknown): IngestItem {
  return rejectedItem({
    reason: err instanceof DecompressionLimitError ? 'decompression_limit' : 'unreadable_source',
    detail: `${basename(source)}: ${err instanceof Error ? err.message : String(err)}`,
    original: Buffer.alloc(0),
    source,
    locator: source,
  });
}
