// Reads a held-out text set for perplexity: JSON lines (optionally gzip-compressed) with a `text`
// field, the layout of data/corpora/*.heldout.jsonl.gz and of most hub text exports.
import { JsonLine, JsonlFileError, readJsonLines } from '@cptflow/pycompat';

export class HeldoutDataError extends Error {
  override readonly name = 'HeldoutDataError';
}

export async function readHeldoutTexts(file: string, maxDocuments?: number): Promise<string[]> {
  if (!/\.jsonl(\.gz)?$/.test(file)) throw new HeldoutDataError(`${file}: expected a .jsonl or .jsonl.gz file with a "text" field per line`);
  let lines: JsonLine[];
  try {
    lines = readJsonLines(file, maxDocuments);
  } catch (err) {
    if (err instanceof JsonlFileError) throw new HeldoutDataError(err.message);
    throw err;
  }
  const texts = lines.map(({ line, value }) => {
    const text = (value as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') throw new HeldoutDataError(`${file}:${line}: expected a string column "text"`);
    return text;
  });
  if (texts.length === 0) throw new HeldoutDataError(`${file}: no documents`);
  return texts;
}
