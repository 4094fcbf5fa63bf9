// Real text for dedup tests: licence texts Debian ships in /usr/share/common-licenses (nobody here
// wrote them), cut into word windows, and near-duplicates made by changing a few words.
import * as fs from 'node:fs';

const LICENSE_DIR = '/usr/share/common-licenses';
// Long licences with little text in common with each other.
const SOURCES = ['GPL-3', 'Apache-2.0', 'MPL-2.0', 'Artistic', 'GFDL-1.3', 'MPL-1.1', 'CC0-1.0'];

export function realTextAvailable(): boolean {
  return SOURCES.every((s) => fs.existsSync(`${LICENSE_DIR}/${s}`));
}

/** Consecutive, non-overlapping windows of `words` words from each licence. */
export function licenceDocuments(words = 200, perSource = 30): Array<{ id: string; text: string }> {
  const docs: Array<{ id: string; text: string }> = [];
  for (const source of SOURCES) {
    const tokens = fs.readFileSync(`${LICENSE_DIR}/${source}`, 'utf8').split(/\s+/).filter(Boolean);
    for (let i = 0; i < perSource && (i + 1) * words <= tokens.length; i++) {
      docs.push({ id: `${source}#${i}`, text: tokens.slice(i * words, (i + 1) * words).join(' ') });
    }
  }
  return docs;
}

/** Deterministic random numbers, so every run mutates the same words. */
export { seededUniform as seededRandom } from '@cptflow/pycompat';

const REPLACEMENTS = ['purple', 'elephant', 'quickly', 'seventeen', 'harbour', 'lantern', 'gravity', 'orchard'];

/** The text with `changes` words (at distinct random positions) replaced by unrelated words. */
export function changeWords(text: string, changes: number, random: () => number): string {
  const words = text.split(' ');
  const positions = new Set<number>();
  while (positions.size < Math.min(changes, words.length)) positions.add(Math.floor(random() * words.length));
  for (const p of positions) words[p] = REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)];
  return words.join(' ');
}
