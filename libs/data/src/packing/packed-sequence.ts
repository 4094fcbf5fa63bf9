// One packed training sequence and how it is built from document segments.
import { createHash } from 'node:crypto';

/** A tokenized document: BOS/EOS already in `tokens` (see DocumentTokenizer). */
export interface TokenizedDocument {
  id: string;
  tokens: Uint32Array;
}

/** A contiguous part of one document: tokens [offset, offset + tokens.length) of document docId. */
export interface Segment {
  docId: string;
  offset: number;
  tokens: Uint32Array;
  /** The whole document's token count, so a reader can tell its last segment arrived (0: not known). */
  docLength: number;
}

/** The packer's output; toPackedSequenceMessage turns it into the PackedSequence contract. */
export interface PackedSequenceData {
  /** Derived from the segments (document ids, offsets, lengths) and seqLen: same input, same id. */
  id: string;
  seqLen: number;
  /** Exactly seqLen ids; positions from numTokens on are padId. */
  tokens: Uint32Array;
  numTokens: number;
  padId: number;
  /** Start of every segment, ascending, first is 0. */
  docStarts: number[];
  /** Document of every segment (same length as docStarts). */
  docIds: string[];
  /** Token offset of every segment within its document (0 for a document's first segment). */
  docOffsets: number[];
  /** Token count of every segment's whole document (0 where not known: sequences from older packers). */
  docLengths: number[];
}

export function sequenceId(segments: readonly Segment[], seqLen: number): string {
  const hash = createHash('sha256').update(String(seqLen));
  for (const s of segments) hash.update(`\n${s.docId}\t${s.offset}\t${s.tokens.length}`);
  return 'seq:' + hash.digest('hex').slice(0, 32);
}

export function buildSequence(segments: readonly Segment[], seqLen: number, padId: number): PackedSequenceData {
  const tokens = new Uint32Array(seqLen).fill(padId);
  const docStarts: number[] = [];
  const docIds: string[] = [];
  const docOffsets: number[] = [];
  const docLengths: number[] = [];
  let at = 0;
  for (const s of segments) {
    if (at + s.tokens.length > seqLen) throw new Error(`segments overflow a sequence of ${seqLen} tokens`);
    docStarts.push(at);
    docIds.push(s.docId);
    docOffsets.push(s.offset);
    docLengths.push(s.docLength);
    tokens.set(s.tokens, at);
    at += s.tokens.length;
  }
  return { id: sequenceId(segments, seqLen), seqLen, tokens, numTokens: at, padId, docStarts, docIds, docOffsets, docLengths };
}

/** The segments of a packed sequence: [docId, tokens] in order. */
export function sequenceSegments(seq: Pick<PackedSequenceData, 'tokens' | 'numTokens' | 'docStarts' | 'docIds'>): Array<[string, Uint32Array]> {
  if (seq.docStarts.length !== seq.docIds.length) throw new Error('docStarts and docIds differ in length');
  return seq.docIds.map((id, i) => {
    const end = i + 1 < seq.docStarts.length ? seq.docStarts[i + 1] : seq.numTokens;
    return [id, seq.tokens.subarray(seq.docStarts[i], end)];
  });
}

/** Tokens in each segment of a packed sequence (same order as docIds). */
export function segmentLengths(seq: Pick<PackedSequenceData, 'numTokens' | 'docStarts'>): number[] {
  return seq.docStarts.map((start, i) => (i + 1 < seq.docStarts.length ? seq.docStarts[i + 1]! : seq.numTokens) - start);
}

/**
 * Reassembles documents from packed sequences read in any order: each document's segments are placed
 * by their offset within the document. Documents come out in order of first appearance. Throws when a
 * segment is missing or doubled, the tail included where the sequences carry document lengths.
 */
export function unpackDocuments(
  sequences: Iterable<Pick<PackedSequenceData, 'tokens' | 'numTokens' | 'docStarts' | 'docIds' | 'docOffsets' | 'docLengths'>>,
): TokenizedDocument[] {
  const parts = new Map<string, { length: number; list: Array<{ offset: number; tokens: Uint32Array }> }>();
  for (const seq of sequences) {
    sequenceSegments(seq).forEach(([id, tokens], i) => {
      let doc = parts.get(id);
      if (!doc) parts.set(id, (doc = { length: 0, list: [] }));
      doc.length ||= seq.docLengths[i] ?? 0;
      doc.list.push({ offset: seq.docOffsets[i]!, tokens });
    });
  }
  return [...parts].map(([id, { length, list }]) => {
    list.sort((a, b) => a.offset - b.offset);
    const tokens = new Uint32Array(list.reduce((n, t) => n + t.tokens.length, 0));
    let at = 0;
    for (const part of list) {
      if (part.offset !== at) throw new Error(`document ${id}: segment at offset ${part.offset} where ${at} was expected (a segment is missing or doubled)`);
      tokens.set(part.tokens, at);
      at += part.tokens.length;
    }
    if (length && at !== length) throw new Error(`document ${id}: ${at} of its ${length} tokens arrived (its tail is missing)`);
    return { id, tokens };
  });
}

/**
 * Counts the documents that have left a packer whole. A document's head can travel in one sequence
 * while its tail waits in the packer's open sequence until more text or the idle flush; a reader that
 * counted it at its first segment would call the stream drained with tokens still held back.
 */
export class PackedDocumentTally {
  private readonly arrived = new Map<string, { tokens: number; length: number }>();
  private whole = 0;

  add(seq: Pick<PackedSequenceData, 'numTokens' | 'docStarts' | 'docIds' | 'docLengths'>): void {
    const lengths = segmentLengths(seq);
    seq.docIds.forEach((id, i) => {
      const doc = this.arrived.get(id) ?? { tokens: 0, length: 0 };
      // Without a length (sequences from an older packer) a document counts at its first segment.
      const isWhole = () => (doc.length ? doc.tokens >= doc.length : doc.tokens > 0);
      const before = isWhole();
      doc.tokens += lengths[i]!;
      doc.length ||= seq.docLengths[i] ?? 0;
      this.arrived.set(id, doc);
      if (isWhole() && !before) this.whole++;
    });
  }

  /** Documents of which at least one segment arrived. */
  get documents(): number {
    return this.arrived.size;
  }

  /** Documents all of whose tokens arrived. */
  get complete(): number {
    return this.whole;
  }
}

/**
 * Per-position segment index (0, 1, ... in docStarts order; -1 on padding), for a block-diagonal
 * attention mask: position i may attend to j <= i only when both have the same segment index.
 */
export function segmentIds(seq: Pick<PackedSequenceData, 'seqLen' | 'numTokens' | 'docStarts'>): Int32Array {
  const out = new Int32Array(seq.seqLen).fill(-1);
  seq.docStarts.forEach((start, s) => {
    const end = s + 1 < seq.docStarts.length ? seq.docStarts[s + 1] : seq.numTokens;
    out.fill(s, start, end);
  });
  return out;
}

/** Position ids restarting at 0 at every segment start (0 on padding), as document masking needs. */
export function positionIds(seq: Pick<PackedSequenceData, 'seqLen' | 'numTokens' | 'docStarts'>): Int32Array {
  const out = new Int32Array(seq.seqLen);
  seq.docStarts.forEach((start, s) => {
    const end = s + 1 < seq.docStarts.length ? seq.docStarts[s + 1] : seq.numTokens;
    for (let i = start; i < end; i++) out[i] = i - start;
  });
  return out;
}
