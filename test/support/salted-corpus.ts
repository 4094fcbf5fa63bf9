// A test corpus of real text (the bundled corpora, which nobody here wrote) salted with what a pipeline
// must catch: exact duplicates, near duplicates (a few words changed), junk (lorem ipsum, repeated lines,
// boilerplate) and malformed records. It returns the JSONL bytes and the ground truth for each salt.
import * as fs from 'node:fs';
import { loadCorpus, type CorpusName } from '@cptflow/data';
import { changeWords, seededRandom } from '@cptflow/data/testing';

export interface CorpusDocument {
  id: string;
  text: string;
}

export interface SaltedCorpus {
  /** JSONL lines (Buffers, since some are deliberately invalid UTF-8). */
  lines: Buffer[];
  originals: CorpusDocument[];
  /** copy id -> original id */
  exactCopies: Map<string, string>;
  /** variant id -> original id */
  nearCopies: Map<string, string>;
  junkIds: Set<string>;
  /** Lines that must be dead-lettered at ingest. */
  malformedLines: number;
}

function readCorpus(name: CorpusName, limit: number): CorpusDocument[] {
  return loadCorpus(name).slice(0, limit).map(({ id, text }) => ({ id, text }));
}

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.';

function junkDocuments(): CorpusDocument[] {
  const repeatedLine = 'Click here to subscribe to our newsletter for the latest deals!';
  return [
    { id: 'junk/lorem-1', text: Array(8).fill(LOREM).join('\n') },
    { id: 'junk/lorem-2', text: `Welcome to our site.\n${LOREM}\n${LOREM}\nContact us today.` },
    { id: 'junk/repeated-lines', text: Array(40).fill(repeatedLine).join('\n') },
    { id: 'junk/boilerplate', text: 'Home | About | Contact\nCookie policy\nTerms of use\nPrivacy\nLogin\nSign up' },
    { id: 'junk/symbols', text: Array(50).fill('#### ---- #### ---- {{ }} [[ ]] ####').join('\n') },
    { id: 'junk/too-short', text: 'Buy now.' },
  ];
}

export interface SaltOptions {
  documents: number;
  exactCopies: number;
  nearCopies: number;
  seed?: number;
}

export function saltedCorpus(options: SaltOptions): SaltedCorpus {
  const random = seededRandom(options.seed ?? 7);
  const half = Math.ceil(options.documents / 2);
  const originals = [...readCorpus('general', half), ...readCorpus('domain', options.documents - half)];
  const docs: CorpusDocument[] = [...originals];
  const exactCopies = new Map<string, string>();
  const nearCopies = new Map<string, string>();
  // Copies of prose (the general corpus, which the quality filter keeps), so their fate is dedup's.
  for (let i = 0; i < options.exactCopies; i++) {
    const original = originals[(i * 7) % half]!;
    const id = `salt/exact-${i}`;
    exactCopies.set(id, original.id);
    docs.push({ id, text: original.text });
  }
  for (let i = 0; i < options.nearCopies; i++) {
    const original = originals[(i * 11 + 3) % half]!;
    const id = `salt/near-${i}`;
    nearCopies.set(id, original.id);
    docs.push({ id, text: changeWords(original.text, 1 + (i % 3), random) });
  }
  const junk = junkDocuments();
  docs.push(...junk);
  // Shuffle so copies are not always right after their originals.
  for (let i = docs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [docs[i], docs[j]] = [docs[j]!, docs[i]!];
  }
  const lines = docs.map((d) => Buffer.from(JSON.stringify(d)));
  const malformed = [
    Buffer.from('{"id": "bad/json", "text": "unterminated'),
    Buffer.concat([Buffer.from('{"id": "bad/utf8", "text": "caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    Buffer.from('{"id": "bad/no-text"}'),
    Buffer.from('{"id": "bad/number-text", "text": 42}'),
    Buffer.from('["not", "an", "object"]'),
  ];
  for (const [i, line] of malformed.entries()) lines.splice(Math.floor(((i + 1) * lines.length) / (malformed.length + 1)), 0, line);
  return { lines, originals, exactCopies, nearCopies, junkIds: new Set(junk.map((d) => d.id)), malformedLines: malformed.length };
}

export function writeJsonl(file: string, lines: Buffer[]): void {
  fs.writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
}
