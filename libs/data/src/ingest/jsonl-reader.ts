// JSON Lines: one JSON object per line. Every line becomes exactly one item (blank lines are not records),
// so a source's counts balance: lines read = documents + rejected.
import { IngestItem, rejectedItem } from './ingest-item';
import { splitLines } from './line-splitter';
import { ReaderOptions } from './reader-options';
import { recordToItem } from './record-to-document';
import { decodeUtf8Strict } from './utf8';

export async function* readJsonl(decodedBytes: AsyncIterable<Buffer>, source: string, options: ReaderOptions): AsyncGenerator<IngestItem> {
  for await (const line of splitLines(decodedBytes, options.maxRecordBytes, options.maxRejectedBytes)) {
    const locator = `${source}:${line.number}`;
    if (line.oversize) {
      yield rejectedItem({
        reason: 'oversize',
        detail: `line is ${line.length} bytes, above maxRecordBytes ${options.maxRecordBytes} (original truncated to ${line.bytes.length} bytes)`,
        original: line.bytes,
        source,
        locator,
      });
      continue;
    }
    if (isBlank(line.bytes)) continue;
    const text = decodeUtf8Strict(line.bytes);
    if (text === undefined) {
      yield rejectedItem({ reason: 'invalid_utf8', detail: 'line is not valid UTF-8', original: line.bytes, source, locator });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      yield rejectedItem({ reason: 'bad_json', detail: (err as Error).message, original: line.bytes, source, locator });
      continue;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      const what = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
      yield rejectedItem({ reason: 'not_an_object', detail: `line is ${what}, not a JSON object`, original: line.bytes, source, locator });
      continue;
    }
    yield recordToItem(parsed as Record<string, unknown>, { source, locator, original: () => line.bytes }, options);
  }
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) {
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}
