// Reads a held-out text set for perplexity: JSON lines (optionally gzip-compressed) with a `text`
// field, the layout of data/corpora/*.heldout.jsonl.gz and of most hub text exports.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export class HeldoutDataError extends Error {
  override readonly name = 'HeldoutDataError';
}

export async function readHeldoutTexts(file: string, maxDocuments?: number): Promise<string[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new HeldoutDataError(`${file}: cannot read held-out set (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!/\.jsonl(\.gz)?$/.test(file)) throw new HeldoutDataError(`${file}: expected a .jsonl or .jsonl.gz file with a "text" field per line`);
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const texts: string[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new HeldoutDataError(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    const value = (row as { text?: unknown } | null)?.text;
    if (typeof value !== 'string') throw new HeldoutDataError(`${file}:${i + 1}: expected a string column "text"`);
    texts.push(value);
    if (maxDocuments !== undefined && texts.length >= maxDocuments) break;
  }
  if (texts.length === 0) throw new HeldoutDataError(`${file}: no documents`);
  return texts;
}
