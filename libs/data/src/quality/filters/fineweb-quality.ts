// FineWeb's own line heuristics (Penedo et al. 2024, "The FineWeb Datasets", arXiv 2406.17557,
// section 3.3 "additional heuristic filters") as datatrove implements them in
// src/datatrove/pipeline/filters/fineweb_quality_filter.py (datatrove 0.10.1: the current
// definition, with FineWeb-2's multilingual stop characters and empty lines ignored).

import { DATATROVE_TERMINAL_PUNCTUATION, countOccurrences, endsWithAny, pyLen, pyStrip } from '@cptflow/pycompat';
import { FilterVerdict, QualityFilter, TextView, keep, reject } from '../verdict';
import { findDuplicates } from './gopher-repetition';

export interface FineWebQualityOptions {
  /** Reject when fewer than this fraction of lines end in a stop character. Default 0.12. */
  linePunctThr: number;
  /** Do not apply linePunctThr to documents where NO line ends in a stop character. Default false. */
  linePunctExcludeZero: boolean;
  /** Line endings that count as punctuation. Default: datatrove TERMINAL_PUNCTUATION. */
  stopChars: readonly string[];
  /** Reject when more than this fraction of lines are short. Default 0.67. */
  shortLineThr: number;
  /** A line of at most this many characters is short. Default 30. */
  shortLineLength: number;
  /** Reject when repeated lines hold more than this fraction of the non-newline characters. Default 0.01. */
  charDuplicatesRatio: number;
  /** Reject when newlines / words exceeds this (list-like pages). Default 0.3. */
  newLineRatio: number;
}

/** datatrove FineWebQualityFilter defaults. */
export const FINEWEB_QUALITY_DEFAULTS: FineWebQualityOptions = {
  linePunctThr: 0.12,
  linePunctExcludeZero: false,
  stopChars: DATATROVE_TERMINAL_PUNCTUATION,
  shortLineThr: 0.67,
  shortLineLength: 30,
  charDuplicatesRatio: 0.01,
  newLineRatio: 0.3,
};

export class FineWebQualityFilter implements QualityFilter {
  readonly name = 'fineweb_quality';
  readonly options: FineWebQualityOptions;
  private readonly endsWithStopChar: (line: string) => boolean;

  constructor(options: Partial<FineWebQualityOptions> = {}) {
    this.options = { ...FINEWEB_QUALITY_DEFAULTS, ...options };
    const stops = this.options.stopChars;
    if (stops.every((s) => [...s].length === 1)) {
      // single code points: compare the line's last code point against a set
      const set = new Set(stops);
      this.endsWithStopChar = (line) => {
        const last = line.codePointAt(line.length - 1);
        if (last === undefined) return false;
        const start = last > 0xffff ? line.length - 2 : line.length - 1;
        return set.has(line.slice(start));
      };
    } else this.endsWithStopChar = (line) => endsWithAny(line, stops);
  }

  apply(doc: TextView): FilterVerdict {
    const o = this.options;
    const text = doc.text;
    // lines are NOT stripped: trailing spaces hide a line's punctuation, as in datatrove
    const lines = text.split('\n').filter((l) => pyStrip(l) !== '');
    if (lines.length === 0) return reject(this.name, 'empty', NaN, NaN);

    let punctLines = 0;
    for (const l of lines) if (this.endsWithStopChar(l)) punctLines++;
    const punctRatio = punctLines / lines.length;
    if (punctRatio < o.linePunctThr && !(punctRatio === 0 && o.linePunctExcludeZero)) {
      return reject(this.name, 'line_punct_ratio', punctRatio, o.linePunctThr);
    }

    let shortLines = 0;
    for (const l of lines) if (l.length <= o.shortLineLength || pyLen(l) <= o.shortLineLength) shortLines++;
    const shortRatio = shortLines / lines.length;
    if (shortRatio > o.shortLineThr) return reject(this.name, 'short_line_ratio', shortRatio, o.shortLineThr);

    const nonNewlineChars = doc.length - countOccurrences(text, '\n');
    const dupRatio = findDuplicates(lines).chars / nonNewlineChars;
    if (dupRatio > o.charDuplicatesRatio) return reject(this.name, 'char_dup_ratio', dupRatio, o.charDuplicatesRatio);

    const listRatio = countOccurrences(text, '\n') / doc.words.length;
    if (listRatio > o.newLineRatio) return reject(this.name, 'list_ratio', listRatio, o.newLineRatio);
    return keep(text);
  }
}
