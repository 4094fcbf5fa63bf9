// C4's line and page heuristics (Raffel et al. 2020, "Exploring the Limits of Transfer Learning",
// JMLR 21(140), section 2.2) as datatrove implements them in
// src/datatrove/pipeline/filters/c4_filters.py (C4QualityFilter, datatrove 0.10.1).
//
// This filter REWRITES the document: lines that fail a line rule are dropped and the kept lines
// are joined with "\n". A page-level rule (lorem ipsum, a curly bracket, too few sentences)
// rejects the whole document. Sentences are counted per kept line with spaCy's sentencizer
// rules (see word-splitter.ts), as datatrove's split_into_sentences does.
//
// FineWeb ran it as C4QualityFilter(filter_no_terminal_punct=False) (datatrove
// examples/fineweb.py); FINEWEB_C4_OPTIONS below is that configuration.

import { endsWithAny, pyLen, pySplitLines, pySplitWhitespace, pyStrip, countSentences } from '@cptflow/pycompat';
import { FilterVerdict, QualityFilter, TextView, keep, reject } from '../verdict';

export interface C4QualityOptions {
  /** Strip Wikipedia-style citation marks: "[12]", "[edit]", "[citation needed]". Default true. */
  removeCitations: boolean;
  /** Drop lines not ending in . ? ! " ' (and lines ending in "..."). Default true. */
  filterNoTerminalPunct: boolean;
  /** Reject pages with fewer sentences than this in the kept lines; -1 disables. Default 5. */
  minNumSentences: number;
  /** Drop lines with fewer whitespace-separated words; -1 disables. Default 3. */
  minWordsPerLine: number;
  /** Drop lines containing a word longer than this; -1 disables. Default 1000. */
  maxWordLength: number;
  /** Reject pages containing "lorem ipsum" (case-insensitive). Default true. */
  filterLoremIpsum: boolean;
  /** Drop lines containing "javascript" (case-insensitive). Default true. */
  filterJavascript: boolean;
  /** Reject pages with a "{" in a kept line. Default true. */
  filterCurlyBracket: boolean;
  /** Drop lines mentioning cookies / terms of use / privacy policy (POLICY_SUBSTRINGS). Default true. */
  filterPolicy: boolean;
}

/** datatrove C4QualityFilter defaults (split_paragraph=True is the only supported split). */
export const C4_QUALITY_DEFAULTS: C4QualityOptions = {
  removeCitations: true,
  filterNoTerminalPunct: true,
  minNumSentences: 5,
  minWordsPerLine: 3,
  maxWordLength: 1000,
  filterLoremIpsum: true,
  filterJavascript: true,
  filterCurlyBracket: true,
  filterPolicy: true,
};

/** The C4 settings FineWeb used: terminal-punctuation line filter off. */
export const FINEWEB_C4_OPTIONS: Partial<C4QualityOptions> = { filterNoTerminalPunct: false };

const CITATION = /\[\p{Nd}*\]|\[edit\]|\[citation needed\]/gu;
const END_PUNCTUATION = ['.', '?', '!', '"', "'"];
const POLICY_SUBSTRINGS = ['terms of use', 'privacy policy', 'cookie policy', 'uses cookies', 'use of cookies', 'use cookies'];

/** Which line rule dropped how many lines (datatrove's "line-filter-*" stats). */
export interface C4LineStats {
  total: number;
  kept: number;
  tooLongWord: number;
  noTerminalPunct: number;
  tooFewWords: number;
  javascript: number;
  policy: number;
}

export class C4QualityFilter implements QualityFilter {
  readonly name = 'c4_quality';
  readonly options: C4QualityOptions;
  /** Line-rule counters accumulated over every document this instance has seen. */
  readonly lineStats: C4LineStats = { total: 0, kept: 0, tooLongWord: 0, noTerminalPunct: 0, tooFewWords: 0, javascript: 0, policy: 0 };

  constructor(options: Partial<C4QualityOptions> = {}) {
    this.options = { ...C4_QUALITY_DEFAULTS, ...options };
  }

  apply(doc: TextView): FilterVerdict {
    const o = this.options;
    const stats = this.lineStats;
    const kept: string[] = [];
    let sentences = 0;
    for (const rawLine of pySplitLines(doc.text)) {
      let line = pyStrip(rawLine);
      const words = pySplitWhitespace(line);
      stats.total++;
      if (o.maxWordLength !== -1 && words.some((w) => w.length > o.maxWordLength && pyLen(w) > o.maxWordLength)) {
        stats.tooLongWord++;
        continue;
      }
      if (o.removeCitations && line.includes('[')) line = line.replace(CITATION, '');
      if (o.filterNoTerminalPunct && (!endsWithAny(line, END_PUNCTUATION) || line.endsWith('...'))) {
        stats.noTerminalPunct++;
        continue;
      }
      // counted before citation removal, as datatrove does
      if (words.length < o.minWordsPerLine) {
        stats.tooFewWords++;
        continue;
      }
      const lower = line.toLowerCase();
      if (o.filterLoremIpsum && lower.includes('lorem ipsum')) return reject(this.name, 'lorem_ipsum', NaN, NaN);
      if (o.filterJavascript && lower.includes('javascript')) {
        stats.javascript++;
        continue;
      }
      if (o.filterCurlyBracket && line.includes('{')) return reject(this.name, 'curly_bracket', NaN, NaN);
      if (o.filterPolicy && POLICY_SUBSTRINGS.some((p) => lower.includes(p))) {
        stats.policy++;
        continue;
      }
      if (o.minNumSentences !== -1) sentences += countSentences(line);
      kept.push(line);
      stats.kept++;
    }
    if (sentences < o.minNumSentences) return reject(this.name, 'too_few_sentences', sentences, o.minNumSentences);
    return keep(pyStrip(kept.join('\n')));
  }
}
