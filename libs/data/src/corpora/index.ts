// The real-text corpora bundled with cptflow (data/corpora, see its README for sources and
// licences): where they are and how to read them. Small enough to load whole.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readJsonLines } from '@cptflow/pycompat';


export type CorpusName = 'general' | 'domain';
/** `train` may be used for training; `heldout` must never be (perplexity / forgetting checks). */
export type CorpusSplit = 'train' | 'heldout';

export interface CorpusDocument {
  id: string;
  text: string;
  url?: string;
  /** The work a general-corpus passage comes from, e.g. "Jane Austen, Emma, chapter 3". */
  source?: string;
}

/** data/corpora of the repository this file belongs to (found upwards from here: works from src/ and dist/). */
export const CORPORA_DIR = findCorporaDir(__dirname);

function findCorporaDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'data', 'corpora');
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    if (dirname(dir) === dir) return resolve(from, '../../../../data/corpora');
  }
}

export function corpusPath(name: CorpusName, split: CorpusSplit = 'train'): string {
  return resolve(CORPORA_DIR, split === 'train' ? `${name}.jsonl.gz` : `${name}.heldout.jsonl.gz`);
}

export function loadCorpus(name: CorpusName, split: CorpusSplit = 'train'): CorpusDocument[] {
  return readJsonLines(corpusPath(name, split)).map(({ value }) => value as CorpusDocument);
}

/** The rule data/corpora/build.py splits by: sha256(id), first 8 bytes big-endian, mod 100 < 10. */
export function isHeldOut(id: string): boolean {
  const digest = createHash('sha256').update(id, 'utf8').digest();
  return digest.readBigUInt64BE(0) % 100n < 10n;
}
