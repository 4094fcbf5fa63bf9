// Shared fixtures for the trainer's tests, the crash test's child process, the benchmark and the
// replay experiment: a tiny LLaMA with the real LLaMA-2 vocabulary, and real text from
// data/corpora tokenized and packed with the default tokenizer.
import { join } from 'node:path';
import { PackedSequence } from '@cptflow/platform';
import { CPTFLOW_TINY, type LlamaConfig } from '@cptflow/model';
import { DocumentTokenizer } from '@cptflow/data';
import { packDocuments, readJsonlDocuments } from '../text-corpus';
import { encodePackedSequence, rowFromRecord, TrainingRow } from '../training-rows';

/** The repository root, from dist/libs/training/src/trainer/testing or libs/training/src/trainer/testing. */
export const REPO_ROOT = join(__dirname, __dirname.includes(`${join('dist', 'libs')}`) ? '../../../../../..' : '../../../../..');
export const CORPORA = join(REPO_ROOT, 'data', 'corpora');

/** The shipped base model's family (vocab 32000, LLaMA-2) made smaller still, so a step takes milliseconds. */
export const TINY_LLAMA2: LlamaConfig = Object.freeze({
  ...CPTFLOW_TINY,
  hiddenSize: 32,
  numLayers: 2,
  headDim: 8,
  intermediateSize: 64,
  maxPositionEmbeddings: 256,
});

let tokenizer: DocumentTokenizer | undefined;
export function llama2Tokenizer(): DocumentTokenizer {
  tokenizer ??= DocumentTokenizer.load();
  return tokenizer;
}

export type CorpusName = 'domain' | 'domain.heldout' | 'general' | 'general.heldout';

/** The first `count` packed sequences of a bundled corpus. */
export async function corpusSequences(name: CorpusName, seqLen: number, count: number, maxDocs = 400): Promise<PackedSequence[]> {
  const docs = readJsonlDocuments(join(CORPORA, `${name}.jsonl.gz`), maxDocs);
  const seqs = await packDocuments(llama2Tokenizer(), docs, { seqLen, maxSequences: count, corpus: name });
  if (seqs.length < count) throw new Error(`${name}: only ${seqs.length} sequences of ${seqLen} from ${maxDocs} documents`);
  return seqs;
}

export function rowsOf(seqs: readonly PackedSequence[], seqLen: number, vocabSize = 32000): TrainingRow[] {
  const tokenizerId = llama2Tokenizer().tokenizerId;
  return seqs.map((s) => rowFromRecord(encodePackedSequence(s), { tokenizerId, vocabSize, seqLen }));
}

export function recordsOf(topic: string, seqs: readonly PackedSequence[]) {
  return seqs.map((s) => ({ topic, key: s.id ?? undefined, value: encodePackedSequence(s) }));
}
