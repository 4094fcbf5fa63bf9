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

/**
 * Decompressed bytes of `source`. Pulling from the result pulls from the source, so a slow consumer
 * slows the reader down (backpressure) instead of buffering the file.
 */
export function decompressed(source: AsyncIterable<Buffer>, compression: Compression): AsyncIterable<Buffer> {
  if (compression === 'none') return source;
  const decoder: Transform = compression === 'gzip' ? createGunzip() : new ZstdDecompressStream();
  // pipeline forwards a source or decoder error to the stream we iterate, so the reader sees it.
  return pipeline(Readable.from(source, { objectMode: false }), decoder, () => undefined);
}

export function fileChunks(path: string, chunkBytes: number): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: chunkBytes });
}
