// From PackedSequence records to the rows of a micro-batch. A record the model cannot train on
// (undecodable, made by another tokenizer, token ids outside the vocabulary, too long) is refused
// with a reason that names the rule and the value, and goes to the dead-letter topic.
import { codecFor, PackedSequence } from '@cptflow/platform';
import { batchFromPackedRows, IGNORE_INDEX, TokenBatch } from '@cptflow/model';
import { fromPackedSequenceMessage } from '@cptflow/data';

const packedSequenceCodec = codecFor<PackedSequence>(PackedSequence);

export class SequenceRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SequenceRejected';
  }
}

export interface TrainingRow {
  /** Exactly seqLen token ids (padding included). */
  tokens: number[];
  documentStarts: number[];
  /** Tokens before the padding; targets from here on take no loss. */
  realTokens: number;
}

export interface RowRules {
  tokenizerId: string;
  vocabSize: number;
  seqLen: number;
}

export function rowFromRecord(value: Uint8Array, rules: RowRules): TrainingRow {
  let message: PackedSequence;
  try {
    message = packedSequenceCodec.decode(value);
  } catch (err) {
    throw new SequenceRejected(`not a PackedSequence: ${(err as Error).message}`);
  }
  if (message.tokenizerId !== rules.tokenizerId) {
    throw new SequenceRejected(
      `tokenizer mismatch: sequence ${message.id} was made with tokenizer ${message.tokenizerId || '(none)'}, the model uses ${rules.tokenizerId}`,
    );
  }
  let data;
  try {
    data = fromPackedSequenceMessage(message);
  } catch (err) {
    throw new SequenceRejected(`bad token payload: ${(err as Error).message}`);
  }
  if (data.seqLen > rules.seqLen) throw new SequenceRejected(`sequence ${data.id}: seq_len ${data.seqLen} exceeds the trainer's ${rules.seqLen}`);
  const real = data.numTokens > 0 ? data.numTokens : data.seqLen;
  if (real < 2 || real > data.seqLen) throw new SequenceRejected(`sequence ${data.id}: num_tokens ${data.numTokens} is not in [2, ${data.seqLen}]`);
  const starts = data.docStarts.length > 0 ? data.docStarts : [0];
  if (starts[0] !== 0 || starts.some((s, i) => (i > 0 && s <= starts[i - 1]) || s >= data.seqLen)) {
    throw new SequenceRejected(`sequence ${data.id}: doc_starts ${JSON.stringify(starts)} must ascend from 0 below ${data.seqLen}`);
  }
  const tokens = Array.from(data.tokens);
  const pad = data.padId < rules.vocabSize ? data.padId : 0;
  while (tokens.length < rules.seqLen) tokens.push(pad);
  for (let i = 0; i < real; i++) {
    if (tokens[i] >= rules.vocabSize) throw new SequenceRejected(`sequence ${data.id}: token id ${tokens[i]} at ${i} is outside the vocabulary (${rules.vocabSize})`);
  }
  for (let i = real; i < tokens.length; i++) if (tokens[i] >= rules.vocabSize) tokens[i] = 0;
  return { tokens, documentStarts: starts, realTokens: real };
}

/** One micro-batch: document-masked attention, positions restarting per document, padding masked out of the loss. */
export function microBatchOf(rows: TrainingRow[]): TokenBatch {
  const batch = batchFromPackedRows(rows.map((r) => ({ tokens: r.tokens, documentStarts: r.documentStarts })));
  const seq = batch.seq;
  rows.forEach((row, b) => {
    // targets[t] predicts token t+1: no loss once t+1 is padding.
    for (let t = Math.max(0, row.realTokens - 1); t < seq; t++) batch.targets[b * seq + t] = BigInt(IGNORE_INDEX);
  });
  return batch;
}

/** Encode a PackedSequence (for tests, tools and the local replay corpus). */
export function encodePackedSequence(message: PackedSequence): Buffer {
  return packedSequenceCodec.encode(message);
}
