// Turns one parsed record (a JSON object or a Parquet row) into a Document, or says why it cannot be one.
import { contentHashId } from './stable-id';
import { documentItem, filteredItem, IngestItem, RejectReason, rejectedItem } from './ingest-item';
import { ReaderOptions } from './reader-options';
import { InvalidUtf8Bytes } from './utf8';

export interface RecordContext {
  source: string;
  locator: string;
  /** The record's bytes as read; only computed when the record is rejected. */
  original: () => Buffer;
}

export function recordToItem(record: Record<string, unknown>, context: RecordContext, options: ReaderOptions): IngestItem {
  const reject = (reason: RejectReason, detail: string, original = context.original()): IngestItem =>
    rejectedItem({ reason, detail, original, source: context.source, locator: context.locator });

  const text = record[options.textField];
  if (text === undefined || text === null) return reject('missing_text', `no "${options.textField}" field`);
  if (text instanceof InvalidUtf8Bytes) {
    return reject('invalid_utf8', `"${options.textField}" is not valid UTF-8`, text.bytes);
  }
  if (typeof text !== 'string') return reject('non_string_text', `"${options.textField}" is ${describeType(text)}, not a string`);
  if (text.trim() === '') return reject('empty_text', `"${options.textField}" is empty or whitespace only`);
  const textBytes = Buffer.byteLength(text, 'utf8');
  if (textBytes > options.maxDocumentBytes) {
    return reject(
      'oversize',
      `text is ${textBytes} bytes, above maxDocumentBytes ${options.maxDocumentBytes}`,
      truncate(context.original(), options.maxRejectedBytes),
    );
  }

  // Metadata is serialised as JSON, which recurses: a record nested 100,000 deep would overflow the stack
  // and end the whole file. Measured without recursion, and refused alone.
  if (exceedsDepth(record, options.maxNestingDepth)) {
    return reject('too_deep', `nests objects or arrays deeper than maxNestingDepth ${options.maxNestingDepth}`, truncate(context.original(), options.maxRejectedBytes));
  }

  // Any other column that is not valid UTF-8 is kept lossily: only the text must be exact.
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === options.textField || key === options.urlField) continue;
    if (key === options.idField && sourceIdOf(value) !== undefined) continue;
    const asString = metadataString(value);
    if (asString !== undefined) metadata[key] = asString;
  }
  const url = record[options.urlField];
  const document = {
    id: sourceIdOf(record[options.idField]) ?? contentHashId(text),
    text,
    source: options.sourceLabel ?? context.source,
    url: typeof url === 'string' ? url : '',
    metadata,
    ingestedAtMs: options.now(),
    corpus: options.corpus,
  };
  if (options.minIntScore !== undefined) {
    const intScore = numberOf(record.int_score);
    if (!(intScore >= options.minIntScore)) {
      return filteredItem({ document, filter: 'ingest', rule: 'int_score', value: intScore, threshold: options.minIntScore });
    }
  }
  return documentItem(document);
}

/** A numeric column's value (Parquet int64 arrives as bigint, JSON as number); NaN for anything else. */
function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return NaN;
}

/** Whether objects/arrays nest deeper than `limit` levels (the record itself is level 1); iterative. */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (depth > limit) return true;
    if (current === null || typeof current !== 'object' || current instanceof Uint8Array || current instanceof Date) continue;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
  return false;
}

/** A usable source id is a non-empty string or an integer; anything else falls back to the content hash. */
function sourceIdOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

function metadataString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof InvalidUtf8Bytes) return value.bytes.toString('utf8');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return jsonWithBigInts(value);
}

/** JSON that survives the BigInt and byte values Parquet rows carry. */
export function jsonWithBigInts(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof InvalidUtf8Bytes) return v.bytes.toString('utf8');
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    return v;
  });
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  return `a ${typeof value}`;
}

export function truncate(bytes: Buffer, maxBytes: number): Buffer {
  return bytes.length <= maxBytes ? bytes : bytes.subarray(0, maxBytes);
}
