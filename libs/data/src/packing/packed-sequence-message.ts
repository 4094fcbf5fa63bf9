// Conversion between the packer's PackedSequenceData and the PackedSequence protobuf contract.
import type { PackedSequence } from '@cptflow/platform';
import type { PackedSequenceData } from './packed-sequence';
import { decodeTokens, encodeTokens, type TokenWidth } from './token-codec';

export interface SequenceLabels {
  tokenizerId: string;
  tokenWidth: TokenWidth;
  corpus?: string;
}

export function toPackedSequenceMessage(seq: PackedSequenceData, labels: SequenceLabels): PackedSequence {
  return {
    id: seq.id,
    tokens: encodeTokens(seq.tokens, labels.tokenWidth),
    tokenWidth: labels.tokenWidth,
    seqLen: seq.seqLen,
    docStarts: seq.docStarts,
    docIds: seq.docIds,
    docOffsets: seq.docOffsets,
    docLengths: seq.docLengths,
    tokenizerId: labels.tokenizerId,
    numTokens: seq.numTokens,
    padId: seq.padId,
    corpus: labels.corpus ?? 'domain',
  };
}

/** The packer's view of a received message (token ids decoded from the payload bytes). */
export function fromPackedSequenceMessage(msg: PackedSequence): PackedSequenceData {
  const width = msg.tokenWidth as TokenWidth;
  const tokens = decodeTokens(msg.tokens ?? new Uint8Array(0), width);
  if (tokens.length !== msg.seqLen) throw new Error(`sequence ${msg.id}: ${tokens.length} tokens, seq_len says ${msg.seqLen}`);
  return {
    id: msg.id ?? '',
    seqLen: msg.seqLen ?? tokens.length,
    tokens,
    numTokens: msg.numTokens ?? 0,
    padId: msg.padId ?? 0,
    docStarts: msg.docStarts ?? [],
    docIds: msg.docIds ?? [],
    docOffsets: msg.docOffsets ?? [],
    docLengths: msg.docLengths ?? [],
  };
}
