// Gopher quality rules (Rae et al. 2021, arXiv 2112.11446, Table A1) as datatrove implements them
// in src/datatrove/pipeline/filters/gopher_quality_filter.py (datatrove 0.10.1). Rules run in
// datatrove's order; the first that fails names the rejection.

import {
  DATATROVE_PUNCTUATION_SET,
  countOccurrences,
  hasAlphaChar,
  pyLen,
  pyLstrip,
  pyRstrip,
  pySplitLines,
} from '@cptflow/pycompat';
import { FilterVerdict, QualityFilter, TextView, isOn, keep, reject } from '../verdict';

export interface GopherQualityOptions {
  /** Fewer non-symbol words than this rejects (gopher_short_doc). datatrove default 50. */
  minDocWords: number | null;
  /** More non-symbol words than this rejects (gopher_long_doc). datatrove default 100,000. */
  maxDocWords: number | null;
  /** Mean non-symbol word length must be at least this (gopher_below_avg_threshold). Default 3. */
  minAvgWordLength: number | null;
  /** ... and at most this (gopher_above_avg_threshold). Default 10. */
  maxAvgWordLength: number | null;
  /** Max count("#") / words and (count("...") + count("…")) / words. Default 0.1. */
  maxSymbolWordRatio: number | null;
  /** Max fraction of lines starting with "•" or "-" (after left strip). Default 0.9. */
  maxBulletLinesRatio: number | null;
  /** Max fraction of lines ending with "..." or "…" (after right strip). Default 0.3. */
  maxEllipsisLinesRatio: number | null;
  /**
   * MIN fraction of words containing a letter (datatrove's name says "max non-alpha", the rule
   * rejects when the alpha fraction is below it: gopher_below_alpha_threshold). Default 0.8.
   */
  maxNonAlphaWordsRatio: number | null;
  /** At least this many DISTINCT stop words must occur, case-sensitive. Default 2. */
  minStopWords: number | null;
  /** datatrove STOP_WORDS. */
  stopWords: readonly string[];
}

/** datatrove GopherQualityFilter defaults. */
export const GOPHER_QUALITY_DEFAULTS: GopherQualityOptions = {
  minDocWords: 50,
  maxDocWords: 100_000,
  minAvgWordLength: 3,
  maxAvgWordLength: 10,
  maxSymbolWordRatio: 0.1,
  maxBulletLinesRatio: 0.9,
  maxEllipsisLinesRatio: 0.3,
  maxNonAlphaWordsRatio: 0.8,
  minStopWords: 2,
  stopWords: ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'],
};

const PUNCTUATION = new Set(DATATROVE_PUNCTUATION_SET);

/** A word with at least one character outside datatrove's PUNCTUATION_SET. */
export function isNonSymbolWord(word: string): boolean {
  const c = word.charCodeAt(0);
  // ASCII letters and digits are never punctuation: the common case needs no set lookups
  if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) return true;
  if (c >= 0x30 && c <= 0x39) return true;
  for (const ch of word) if (!PUNCTUATION.has(ch)) return true;
  return false;
}

export class GopherQualityFilter implements QualityFilter {
  readonly name = 'gopher_quality';
  readonly options: GopherQualityOptions;
  private readonly stopWords: ReadonlySet<string>;

  constructor(options: Partial<GopherQualityOptions> = {}) {
    this.options = { ...GOPHER_QUALITY_DEFAULTS, ...options };
    this.stopWords = new Set(this.options.stopWords);
  }

  apply(doc: TextView): FilterVerdict {
    const o = this.options;
    const text = doc.text;
    const words = doc.words;
    const nWords = words.length;

    let nonSymbol = 0;
    let nonSymbolChars = 0;
    for (const w of words) {
      if (isNonSymbolWord(w)) {
        nonSymbol++;
        nonSymbolChars += pyLen(w);
      }
    }
    if (isOn(o.minDocWords) && nonSymbol < o.minDocWords) {
      return reject(this.name, 'gopher_short_doc', nonSymbol, o.minDocWords);
    }
    if (isOn(o.maxDocWords) && nonSymbol > o.maxDocWords) {
      return reject(this.name, 'gopher_long_doc', nonSymbol, o.maxDocWords);
    }

    const avgWordLength = nonSymbolChars / nonSymbol; // NaN without words, as numpy's mean of []
    if (isOn(o.minAvgWordLength) && avgWordLength < o.minAvgWordLength) {
      return reject(this.name, 'gopher_below_avg_threshold', avgWordLength, o.minAvgWordLength);
    }
    if (isOn(o.maxAvgWordLength) && avgWordLength > o.maxAvgWordLength) {
      return reject(this.name, 'gopher_above_avg_threshold', avgWordLength, o.maxAvgWordLength);
    }

    if (isOn(o.maxSymbolWordRatio)) {
      const hashes = countOccurrences(text, '#') / nWords;
      if (hashes > o.maxSymbolWordRatio) return reject(this.name, 'gopher_too_many_hashes', hashes, o.maxSymbolWordRatio);
      const ellipses = (countOccurrences(text, '...') + countOccurrences(text, '…')) / nWords;
      if (ellipses > o.maxSymbolWordRatio) {
        return reject(this.name, 'gopher_too_many_ellipsis', ellipses, o.maxSymbolWordRatio);
      }
    }

    const lines = pySplitLines(text);
    if (isOn(o.maxBulletLinesRatio)) {
      let bullets = 0;
      for (const line of lines) {
        const l = pyLstrip(line);
        if (l.startsWith('•') || l.startsWith('-')) bullets++;
      }
      const ratio = bullets / lines.length;
      if (ratio > o.maxBulletLinesRatio) return reject(this.name, 'gopher_too_many_bullets', ratio, o.maxBulletLinesRatio);
    }
    if (isOn(o.maxEllipsisLinesRatio)) {
      let ellipsisLines = 0;
      for (const line of lines) {
        const l = pyRstrip(line);
        if (l.endsWith('...') || l.endsWith('…')) ellipsisLines++;
      }
      const ratio = ellipsisLines / lines.length;
      if (ratio > o.maxEllipsisLinesRatio) {
        return reject(this.name, 'gopher_too_many_end_ellipsis', ratio, o.maxEllipsisLinesRatio);
      }
    }

    if (isOn(o.maxNonAlphaWordsRatio)) {
      let alphaWords = 0;
      for (const w of words) if (hasAlphaChar(w)) alphaWords++;
      const ratio = alphaWords / nWords;
      if (ratio < o.maxNonAlphaWordsRatio) {
        return reject(this.name, 'gopher_below_alpha_threshold', ratio, o.maxNonAlphaWordsRatio);
      }
    }

    if (isOn(o.minStopWords)) {
      const found = new Set<string>();
      for (const w of words) if (this.stopWords.has(w)) found.add(w);
      if (found.size < o.minStopWords) return reject(this.name, 'gopher_enough_stop_words', found.size, o.minStopWords);
    }
    return keep(text);
  }
}
