// Packing tokenized documents into fixed-length training sequences. Two strategies:
//
// concat ("concatenate and split", what datatrove/nanotron and Megatron do): documents are laid
//   end to end and cut every seqLen tokens; a document may span sequences, its remainder carried
//   into the next one. No padding except in the final flushed sequence.
//
// best-fit (Ding et al., "Fewer Truncations Improve Language Modeling", ICML 2024): documents are
//   collected in a bounded buffer (bufferDocs documents); documents longer than seqLen are cut into
//   seqLen-long chunks plus a remainder; when the buffer is full its pieces are placed by
//   Best-Fit-Decreasing (longest first, each into the open sequence with the least room that still
//   fits it) and every sequence is emitted, padded. Only over-long documents are ever split.
//
// Both are deterministic: ties are broken by arrival order, and sequence ids come from the
// (document id, token offset, length) of their segments. Output does not depend on how the stream
// is cut into batches, and state() after a batch can be saved and restored, so a batch re-delivered
// to a packer restored from the state before it yields identical sequences.
import { buildSequence, type PackedSequenceData, type Segment, type TokenizedDocument } from './packed-sequence';

export type PackingStrategy = 'concat' | 'best-fit';

export interface PackerOptions {
  strategy?: PackingStrategy;
  /** Tokens per sequence. Default 2048. */
  seqLen?: number;
  /** Id written into unused positions (masked out of the loss). */
  padId: number;
  /** best-fit only: documents buffered before a packing round. Default 256. */
  bufferDocs?: number;
  /** Carried state from state() of an earlier packer with the same options. */
  state?: PackerState;
}

export interface SerializedSegment {
  docId: string;
  offset: number;
  /** Token ids as little-endian uint32, base64. */
  tokens: string;
  /** The whole document's token count (absent in states written before it was carried). */
  docLength?: number;
}

export interface PackerState {
  version: 1;
  strategy: PackingStrategy;
  seqLen: number;
  padId: number;
  bufferDocs?: number;
  /** concat: the partial next sequence. best-fit: the buffered pieces. */
  segments: SerializedSegment[];
  /** best-fit: documents in the buffer. */
  bufferedDocs?: number;
}

export interface SequencePacker {
  readonly strategy: PackingStrategy;
  readonly seqLen: number;
  readonly padId: number;
  /** Adds documents in stream order; returns the sequences completed by them. */
  push(docs: readonly TokenizedDocument[]): PackedSequenceData[];
  /** Emits whatever is carried (padded); the packer is empty afterwards. */
  flush(): PackedSequenceData[];
  /** The carried state (JSON-serialisable). */
  state(): PackerState;
}

export const DEFAULT_SEQ_LEN = 2048;
export const DEFAULT_BUFFER_DOCS = 256;

function serializeSegment(s: Segment): SerializedSegment {
  const bytes = Buffer.from(s.tokens.buffer, s.tokens.byteOffset, s.tokens.byteLength);
  // Uint32Array memory is little-endian on every platform Node supports (x64, arm64).
  return { docId: s.docId, offset: s.offset, tokens: bytes.toString('base64'), docLength: s.docLength };
}

function deserializeSegment(s: SerializedSegment): Segment {
  const bytes = Buffer.from(s.tokens, 'base64');
  const tokens = new Uint32Array(bytes.byteLength / 4);
  new Uint8Array(tokens.buffer).set(bytes);
  return { docId: s.docId, offset: s.offset, tokens, docLength: s.docLength ?? 0 };
}

function checkDocument(doc: TokenizedDocument): void {
  // A document without tokens would leave no trace in docIds and could not be recovered.
  if (doc.tokens.length === 0) throw new Error(`document ${doc.id} has no tokens (the tokenizer always adds EOS)`);
}

function checkOptions(seqLen: number, padId: number): void {
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new RangeError(`seqLen must be a positive integer, got ${seqLen}`);
  if (!Number.isInteger(padId) || padId < 0) throw new RangeError(`padId must be a non-negative integer, got ${padId}`);
}

export class ConcatSplitPacker implements SequencePacker {
  readonly strategy = 'concat' as const;
  private pending: Segment[] = [];
  private pendingTokens = 0;

  constructor(
    readonly seqLen: number,
    readonly padId: number,
    state?: PackerState,
  ) {
    checkOptions(seqLen, padId);
    if (state) {
      assertCompatible(state, 'concat', seqLen, padId);
      this.pending = state.segments.map(deserializeSegment);
      this.pendingTokens = this.pending.reduce((n, s) => n + s.tokens.length, 0);
    }
  }

  push(docs: readonly TokenizedDocument[]): PackedSequenceData[] {
    const out: PackedSequenceData[] = [];
    for (const doc of docs) {
      checkDocument(doc);
      let offset = 0;
      while (offset < doc.tokens.length) {
        const take = Math.min(this.seqLen - this.pendingTokens, doc.tokens.length - offset);
        this.pending.push({ docId: doc.id, offset, tokens: doc.tokens.subarray(offset, offset + take), docLength: doc.tokens.length });
        this.pendingTokens += take;
        offset += take;
        if (this.pendingTokens === this.seqLen) out.push(this.emit());
      }
    }
    return out;
  }

  flush(): PackedSequenceData[] {
    return this.pending.length ? [this.emit()] : [];
  }

  state(): PackerState {
    return { version: 1, strategy: 'concat', seqLen: this.seqLen, padId: this.padId, segments: this.pending.map(serializeSegment) };
  }

  private emit(): PackedSequenceData {
    const seq = buildSequence(this.pending, this.seqLen, this.padId);
    this.pending = [];
    this.pendingTokens = 0;
    return seq;
  }
}

export class BestFitPacker implements SequencePacker {
  readonly strategy = 'best-fit' as const;
  private pieces: Segment[] = [];
  private bufferedDocs = 0;

  constructor(
    readonly seqLen: number,
    readonly padId: number,
    readonly bufferDocs: number = DEFAULT_BUFFER_DOCS,
    state?: PackerState,
  ) {
    checkOptions(seqLen, padId);
    if (!Number.isInteger(bufferDocs) || bufferDocs < 1) throw new RangeError(`bufferDocs must be a positive integer, got ${bufferDocs}`);
    if (state) {
      assertCompatible(state, 'best-fit', seqLen, padId);
      if (state.bufferDocs !== bufferDocs) throw new Error(`packer state has bufferDocs ${state.bufferDocs}, options say ${bufferDocs}`);
      this.pieces = state.segments.map(deserializeSegment);
      this.bufferedDocs = state.bufferedDocs ?? 0;
    }
  }

  push(docs: readonly TokenizedDocument[]): PackedSequenceData[] {
    const out: PackedSequenceData[] = [];
    for (const doc of docs) {
      checkDocument(doc);
      for (let offset = 0; offset < doc.tokens.length; offset += this.seqLen) {
        this.pieces.push({ docId: doc.id, offset, tokens: doc.tokens.subarray(offset, offset + this.seqLen), docLength: doc.tokens.length });
      }
      if (++this.bufferedDocs >= this.bufferDocs) out.push(...this.packBuffer());
    }
    return out;
  }

  flush(): PackedSequenceData[] {
    return this.packBuffer();
  }

  state(): PackerState {
    return {
      version: 1,
      strategy: 'best-fit',
      seqLen: this.seqLen,
      padId: this.padId,
      bufferDocs: this.bufferDocs,
      segments: this.pieces.map(serializeSegment),
      bufferedDocs: this.bufferedDocs,
    };
  }

  /**
   * Best-Fit-Decreasing over the buffered pieces. Longest first (ties: arrival order), so the
   * seqLen-long chunks of a split document open sequences before its remainder is placed, and its
   * segments leave the packer in offset order.
   */
  private packBuffer(): PackedSequenceData[] {
    const order = this.pieces.map((piece, arrival) => ({ piece, arrival }));
    order.sort((x, y) => y.piece.tokens.length - x.piece.tokens.length || x.arrival - y.arrival);
    const bins: Array<{ segments: Segment[]; room: number }> = [];
    for (const { piece } of order) {
      const size = piece.tokens.length;
      let best = -1;
      for (let b = 0; b < bins.length; b++) {
        if (bins[b].room >= size && (best < 0 || bins[b].room < bins[best].room)) best = b;
      }
      if (best < 0) {
        bins.push({ segments: [], room: this.seqLen });
        best = bins.length - 1;
      }
      bins[best].segments.push(piece);
      bins[best].room -= size;
    }
    this.pieces = [];
    this.bufferedDocs = 0;
    return bins.map((bin) => buildSequence(bin.segments, this.seqLen, this.padId));
  }
}

function assertCompatible(state: PackerState, strategy: PackingStrategy, seqLen: number, padId: number): void {
  if (state.version !== 1) throw new Error(`unknown packer state version ${state.version}`);
  if (state.strategy !== strategy || state.seqLen !== seqLen || state.padId !== padId) {
    throw new Error(
      `packer state (${state.strategy}, seqLen ${state.seqLen}, padId ${state.padId}) does not match options (${strategy}, seqLen ${seqLen}, padId ${padId})`,
    );
  }
}

export function createPacker(options: PackerOptions): SequencePacker {
  const strategy = options.strategy ?? options.state?.strategy ?? 'concat';
  const seqLen = options.seqLen ?? DEFAULT_SEQ_LEN;
  if (strategy === 'concat') return new ConcatSplitPacker(seqLen, options.padId, options.state);
  if (strategy === 'best-fit') return new BestFitPacker(seqLen, options.padId, options.bufferDocs ?? DEFAULT_BUFFER_DOCS, options.state);
  throw new Error(`unknown packing strategy ${String(strategy)}`);
}
