// Text corpora on disk (JSONL, optionally gzipped, one {"id", "text"} object per line, the format of
// data/corpora) tokenized and packed into PackedSequence messages with the model's tokenizer: the
// local replay corpus, and the fixtures of tests, benchmarks and the replay experiment.
import type { PackedSequence } from '@cptflow/platform';
import { JsonlFileError, readJsonLines } from '@cptflow/pycompat';
import { createPacker, DocumentTokenizer, toPackedSequenceMessage } from '@cptflow/data';

export interface TextDocument {
  id: string;
  text: string;
}

export function readJsonlDocuments(path: string, limit = Infinity): TextDocument[] {
  return readJsonLines(path, limit).map(({ line, value }, i) => {
    const parsed = value as Partial<TextDocument>;
    if (typeof parsed?.text !== 'string') throw new JsonlFileError(`${path}:${line}: a line without a "text" string`);
    return { id: String(parsed.id ?? `${path}:${i}`), text: parsed.text };
  });
}

export interface PackOptions {
  seqLen: number;
  /** Stop after this many sequences. */
  maxSequences?: number;
  corpus?: string;
}

/** Tokenize (BOS + text + EOS per document) and concat-pack into sequences of exactly seqLen tokens. */
export async function packDocuments(tokenizer: DocumentTokenizer, docs: readonly TextDocument[], options: PackOptions): Promise<PackedSequence[]> {
  const packer = createPacker({ strategy: 'concat', seqLen: options.seqLen, padId: 0 });
  const out: PackedSequence[] = [];
  const max = options.maxSequences ?? Infinity;
  const labels = { tokenizerId: tokenizer.tokenizerId, tokenWidth: tokenizer.tokenWidth, corpus: options.corpus };
  for (let i = 0; i < docs.length && out.length < max; i += 64) {
    const chunk = docs.slice(i, i + 64);
    const ids = await tokenizer.encodeBatch(chunk.map((d) => d.text));
    const packed = packer.push(chunk.map((d, j) => ({ id: d.id, tokens: ids[j] })));
    for (const seq of packed) if (out.length < max) out.push(toPackedSequenceMessage(seq, labels));
  }
  return out;
}
