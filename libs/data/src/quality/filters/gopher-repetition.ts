// Gopher repetition rules (Rae et al. 2021, "Scaling Language Models", arXiv 2112.11446,
// Table A1) as datatrove implements them in
// src/datatrove/pipeline/filters/gopher_repetition_filter.py (datatrove 0.10.1).
//
// Faithful to datatrove's quirks, because parity depends on them:
// - paragraphs are split on "\n{2,}" of the stripped text, lines on "\n+" of the raw text;
// - duplicate counts skip the first occurrence, and both char fractions divide by len(text);
// - top n-grams are joined WITH spaces and count every occurrence (the first included);
// - duplicated n-grams are joined WITHOUT spaces and, once a repeat is found, skip n words.

import { pyLen, pyStrip } from '@cptflow/pycompat';
import { NGramIndex } from './ngram-index';
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
    if (o.topNGrams.length > 0) {
      const spaced = new NGramIndex(words, wordLengths, ' ');
      for (const [n, frac] of o.topNGrams) {
        if (words.length < n) continue;
        const ratio = spaced.topNGramChars(n) / textLength;
        if (ratio > frac) return reject(this.name, `top_${n}_gram`, ratio, frac);
      }
    }
    if (o.dupNGrams.length > 0) {
      const glued = new NGramIndex(words, wordLengths, '');
      for (const [n, frac] of o.dupNGrams) {
        const ratio = glued.duplicatedNGramChars(n) / textLength;
        if (ratio > frac) return reject(this.name, `duplicated_${n}_n_grams`, ratio, frac);
      }
    }
    return keep(text);
  }
}
