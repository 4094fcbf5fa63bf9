// What every reader yields: a document ready for docs.raw, or a record that could not become one.

/** A document as the ingest stage produces it: every field of the contract's Document filled in. */
export interface IngestDocument {
  /** The source's own id when it has one, else "sha256:" + hex of the UTF-8 text (see stable-id.ts). */
  id: string;
  text: string;
  /** The file path or upload name the document was read from. */
  source: string;
  url: string;
  /** Source columns other than text/id/url, as strings. */
  metadata: Record<string, string>;
  ingestedAtMs: number;
  corpus: string;
}

/** Why a record was not turned into a document. Each reason is counted separately per source. */
export type RejectReason =
  | 'bad_json'
  | 'not_an_object'
  | 'invalid_utf8'
  | 'missing_text'
  | 'non_string_text'
  | 'empty_text'
  | 'oversize'
  /** The record nests objects/arrays deeper than ReaderOptions.maxNestingDepth. */
  | 'too_deep'
  /** A compressed file expanded past maxDecompressedBytes or maxExpansionRatio; the rest is not read. */
  | 'decompression_limit'
  /** The file or stream itself could not be read to the end (corrupt gzip/zstd/Parquet, I/O error). */
  | 'unreadable_source';

export const REJECT_REASONS: readonly RejectReason[] = [
  'bad_json',
  'not_an_object',
  'invalid_utf8',
  'missing_text',
  'non_string_text',
  'empty_text',
  'oversize',
  'too_deep',
  'decompression_limit',
  'unreadable_source',
];

export interface RejectedRecord {
  reason: RejectReason;
  /** Human-readable specifics: the parser's message, the measured size, the offending type. */
  detail: string;
  /** The record's bytes as read (truncated to ReaderOptions.maxRejectedBytes for oversize records). */
  original: Buffer;
  /** Same meaning as IngestDocument.source. */
  source: string;
  /** Where inside the source: "path:12" for line 12, "path#row=7" for Parquet row 7. */
  locator: string;
}

/** A well-formed document the reader's own filter (ReaderOptions.minIntScore) does not keep. */
export interface FilteredDocument {
  document: IngestDocument;
  /** Written to docs.rejected as Rejection.filter / rule, like the quality filter's rejections. */
  filter: 'ingest';
  rule: 'int_score';
  /** The row's int_score (NaN when it has none). */
  value: number;
  threshold: number;
}

export type IngestItem =
  | { kind: 'document'; document: IngestDocument }
  | { kind: 'rejected'; rejected: RejectedRecord }
  | { kind: 'filtered'; filtered: FilteredDocument };

export function documentItem(document: IngestDocument): IngestItem {
  return { kind: 'document', document };
}

export function filteredItem(filtered: FilteredDocument): IngestItem {
  return { kind: 'filtered', filtered };
}

/** The source an item came from, whatever its kind. */
export function itemSource(item: IngestItem): string {
  if (item.kind === 'document') return item.document.source;
  if (item.kind === 'filtered') return item.filtered.document.source;
  return item.rejected.source;
}

export function rejectedItem(rejected: RejectedRecord): IngestItem {
  return { kind: 'rejected', rejected };
}
