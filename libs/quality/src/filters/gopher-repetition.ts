// Gopher repetition rules (Rae et al. 2021, "Scaling Language Models", arXiv 2112.11446,
// Table A1) as datatrove implements them in
// src/datatrove/pipeline/filters/gopher_repetition_filter.py (datatrove 0.10.1).
//
// Faithful to datatrove's quirks, because parity depends on them:
// - paragraphs are split on "\n{2,}" of the stripped text, lines on "\n+" of the raw text;
// - duplicate counts skip the first occurrence, and both char fractions divide by len(text);
// - top n-grams are joined WITH spaces and count every occurrence (the first included);
// - duplicated n-grams are joined WITHOUT spaces and, once a repeat is found, skip n words.

import { pyLen, pyStrip } from '../python-text';
import { FilterVerdict, QualityFilter, TextView, isOn, keep, reject } from '../verdict';

export interface GopherRepetitionOptions {
  /** Max fraction of lines that repeat an earlier line. datatrove default 0.3. */
  dupLineFrac: number | null;
  /** Max fraction of paragraphs that repeat an earlier paragraph. datatrove default 0.3. */
  dupParaFrac: number | null;
  /** Max characters in repeated lines / len(text). datatrove default 0.2. */
  dupLineCharFrac: number | null;
  /** Max characters in repeated paragraphs / len(text). datatrove default 0.2. */
  dupParaCharFrac: number | null;
  /** [n, max fraction]: characters covered by the most frequent word n-gram / len(text). */
  topNGrams: ReadonlyArray<readonly [number, number]>;
  /** [n, max fraction]: characters in repeated (non-overlapping) word n-grams / len(text). */
  dupNGrams: ReadonlyArray<readonly [number, number]>;
}

/** datatrove GopherRepetitionFilter defaults = Gopher Table A1. */
export const GOPHER_REPETITION_DEFAULTS: GopherRepetitionOptions = {
  dupLineFrac: 0.3,
  dupParaFrac: 0.3,
  dupLineCharFrac: 0.2,
  dupParaCharFrac: 0.2,
  topNGrams: [
    [2, 0.2],
    [3, 0.18],
    [4, 0.16],
  ],
  dupNGrams: [
    [5, 0.15],
    [6, 0.14],
    [7, 0.13],
    [8, 0.12],
    [9, 0.11],
    [10, 0.1],
  ],
};

/** Repeats of earlier elements: how many, and their total length in code points. */
export function findDuplicates(items: readonly string[]): { count: number; chars: number } {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const item of items) {
    if (seen.has(item)) {
      count++;
      chars += pyLen(item);
    } else seen.add(item);
  }
  return { count, chars };
}

/**
 * Length x count of the most frequent space-joined word n-gram; ties go to the n-gram seen first
 * (Python's Counter.most_common(1) keeps insertion order among equals). 0 when there is none.
 */
export function topNGramChars(words: readonly string[], wordLengths: readonly number[], n: number): number {
  if (words.length < n) return 0;
  const slot = new Map<string, number>(); // n-gram -> index into counts / firstAt, in insertion order
  const counts: number[] = [];
  const firstAt: number[] = [];
  for (let i = 0; i + n <= words.length; i++) {
    const key = joinWords(words, i, n, ' ');
    const at = slot.get(key);
    if (at === undefined) {
      slot.set(key, counts.length);
      counts.push(1);
      firstAt.push(i);
    } else counts[at]++;
  }
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
  let chars = n - 1; // the joining spaces
  for (let k = firstAt[best]; k < firstAt[best] + n; k++) chars += wordLengths[k];
  return chars * counts[best];
}

/**
 * Characters in word n-grams (joined without spaces) that repeat an earlier n-gram, scanning left
 * to right and jumping past each repeat so repeats never overlap.
 */
export function duplicatedNGramChars(words: readonly string[], wordLengths: readonly number[], n: number): number {
  const seen = new Set<string>();
  let repeated = 0;
  let i = 0;
  while (i < words.length - n + 1) {
    const key = joinWords(words, i, n, '');
    if (seen.has(key)) {
      for (let k = i; k < i + n; k++) repeated += wordLengths[k];
      i += n;
    } else {
      seen.add(key);
      i++;
    }
  }
  return repeated;
}

function joinWords(words: readonly string[], start: number, n: number, sep: string): string {
  let s = words[start];
  for (let k = start + 1; k < start + n; k++) s += sep + words[k];
  return s;
}

export class GopherRepetitionFilter implements QualityFilter {
  readonly name = 'gopher_repetition';
  readonly options: GopherRepetitionOptions;

  constructor(options: Partial<GopherRepetitionOptions> = {}) {
    this.options = { ...GOPHER_REPETITION_DEFAULTS, ...options };
  }

  apply(doc: TextView): FilterVerdict {
    const o = this.options;
    const text = doc.text;
    if (!text) return reject(this.name, 'empty', NaN, NaN);
    const textLength = doc.length;

    const paragraphs = pyStrip(text).split(/\n{2,}/);
    const paras = findDuplicates(paragraphs);
    if (isOn(o.dupParaFrac) && paras.count / paragraphs.length > o.dupParaFrac) {
      return reject(this.name, 'dup_para_frac', paras.count / paragraphs.length, o.dupParaFrac);
    }
    if (isOn(o.dupParaCharFrac) && paras.chars / textLength > o.dupParaCharFrac) {
      return reject(this.name, 'dup_para_char_frac', paras.chars / textLength, o.dupParaCharFrac);
    }

    const lines = text.split(/\n+/);
    const dupLines = findDuplicates(lines);
    if (isOn(o.dupLineFrac) && dupLines.count / lines.length > o.dupLineFrac) {
      return reject(this.name, 'dup_line_frac', dupLines.count / lines.length, o.dupLineFrac);
    }
    if (isOn(o.dupLineCharFrac) && dupLines.chars / textLength > o.dupLineCharFrac) {
      return reject(this.name, 'dup_line_char_frac', dupLines.chars / textLength, o.dupLineCharFrac);
    }

    const words = doc.words;
    const wordLengths = words.map(pyLen);
    for (const [n, frac] of o.topNGrams) {
      if (words.length < n) continue;
      const ratio = topNGramChars(words, wordLengths, n) / textLength;
      if (ratio > frac) return reject(this.name, `top_${n}_gram`, ratio, frac);
    }
    for (const [n, frac] of o.dupNGrams) {
      const ratio = duplicatedNGramChars(words, wordLengths, n) / textLength;
      if (ratio > frac) return reject(this.name, `duplicated_${n}_n_grams`, ratio, frac);
    }
    return keep(text);
  }
}
