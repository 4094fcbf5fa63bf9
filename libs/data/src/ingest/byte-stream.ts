// Byte sources for the line readers: files read in bounded chunks, decompressed on the fly.
import { createReadStream } from 'node:fs';
import { pipeline, Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Compression } from './reader-options';
import { ZstdDecompressStream } from './zstd-decompress-stream';

/** Guesses compression from a file or upload name: ".gz" is gzip, ".zst"/".zstd" is zstd. */
export function compressionFromName(name: string): Compression {
  const lower = name.toLowerCase();
  if (lower.endsWith('.gz') || lower.endsWith('.gzip')) return 'gzip';
  if (lower.endsWith('.zst') || lower.endsWith('.zstd')) return 'zstd';
  return 'none';
}

/** Maps an HTTP Content-Encoding to a compression; undefined when the encoding is not supported. */
export function compressionFromContentEncoding(header: string | undefined): Compression | undefined {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'none';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'zstd') return 'zstd';
  return undefined;
}

/** Counts raw bytes as they pass (for progress), without changing them. */
export async function* countingBytes(source: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    onBytes(chunk.length);
    yield chunk;
  }
}

/** How far one compressed file or upload may expand. */
export interface DecompressionLimits {
  /** Most decompressed bytes from one source. */
  maxDecompressedBytes: number;
  /** Most decompressed bytes per compressed byte, enforced once the output passes `expansionFloorBytes`. */
  maxExpansionRatio: number;
  /** Output below this many bytes is never judged by its ratio (a tiny file may compress very well). */
  expansionFloorBytes: number;
}

/**
 * A compressed source expanded past its limits (a decompression bomb: 61 KB of gzip can be millions of
 * records). A file becomes one `decompression_limit` dead letter; an upload is refused with 413.
 */
export class DecompressionLimitError extends Error {
  override readonly name = 'DecompressionLimitError';
  /** Tells openJsonlStream to stop the run rather than dead-letter the rest of the upload. */
  readonly stopsIngest = true;
}

/**
 * Decompressed bytes of `source`. Pulling from the result pulls from the source, so a slow consumer
 * slows the reader down (backpressure) instead of buffering the file. With `limits`, the output is
 * counted against the input as it flows and the read stops at the first chunk past either limit.
 */
export function decompressed(source: AsyncIterable<Buffer>, compression: Compression, limits?: DecompressionLimits): AsyncIterable<Buffer> {
  if (compression === 'none') return source;
  const decoder: Transform = compression === 'gzip' ? createGunzip() : new ZstdDecompressStream();
  let compressedBytes = 0;
  const counted = countingBytes(source, (n) => (compressedBytes += n));
  // pipeline forwards a source or decoder error to the stream we iterate, so the reader sees it.
  const output = pipeline(Readable.from(counted, { objectMode: false }), decoder, () => undefined);
  return limits ? withinLimits(output, () => compressedBytes, limits) : output;
}

async function* withinLimits(output: AsyncIterable<Buffer>, compressedBytes: () => number, limits: DecompressionLimits): AsyncGenerator<Buffer> {
  const budget = new ExpansionBudget(limits);
  for await (const chunk of output) {
    budget.check(budget.decompressed + chunk.length, compressedBytes());
    yield chunk;
  }
}

/** Tracks one source's decompressed bytes against its compressed bytes; throws once past a limit. */
export class ExpansionBudget {
  decompressed = 0;

  constructor(private readonly limits: DecompressionLimits) {}

  check(decompressed: number, compressed: number): void {
    this.decompressed = decompressed;
    if (decompressed > this.limits.maxDecompressedBytes) {
      throw new DecompressionLimitError(`decompresses to more than ${this.limits.maxDecompressedBytes} bytes (maxDecompressedBytes)`);
    }
    const ratio = decompressed / Math.max(1, compressed);
    if (decompressed > this.limits.expansionFloorBytes && ratio > this.limits.maxExpansionRatio) {
      throw new DecompressionLimitError(
        `expands ${ratio.toFixed(0)}x (${compressed} compressed bytes to ${decompressed}), above maxExpansionRatio ${this.limits.maxExpansionRatio}`,
      );
    }
  }
}

export function fileChunks(path: string, chunkBytes: number): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: chunkBytes });
}
