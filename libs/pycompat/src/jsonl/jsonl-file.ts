// One whole JSON Lines file (optionally gzip-compressed, by its ".gz" name) read at once: the format
// of data/corpora, of held-out sets and of the parity fixtures. Large inputs stream through
// libs/data/src/ingest instead; this is for files small enough to hold in memory.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class JsonlFileError extends Error {
  override readonly name = 'JsonlFileError';
}

export interface JsonLine {
  /** 1-based line number in the (decompressed) file, for messages that point at the line. */
  line: number;
  value: unknown;
}

/** The parsed non-blank lines of `path`, the first `limit` of them at most. */
export function readJsonLines(path: string, limit = Infinity): JsonLine[] {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new JsonlFileError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (path.endsWith('.gz')) {
    try {
      raw = gunzipSync(raw);
    } catch (err) {
      // cut short by a crash mid-write, or plain text under a .gz name
      throw new JsonlFileError(`${path}: not a readable gzip file (${(err as Error).message})`);
    }
  }
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    // Python's json module refuses such a file too; decoding leniently would train and score on U+FFFD.
    throw new JsonlFileError(`${path}: not valid UTF-8`);
  }
  const out: JsonLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && out.length < limit; i++) {
    if (lines[i].trim() === '') continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(lines[i]) });
    } catch (err) {
      throw new JsonlFileError(`${path}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
  }
  return out;
}
