// What a quality filter decides about one document.

import { pyLen, splitWords } from '@cptflow/pycompat';

/**
 * Why a document was rejected. Field for field the proto `Rejection` message
 * (proto/cptflow.proto) without the document: which filter, which rule, the measured value and
 * the threshold it crossed. Boolean rules (a page containing "lorem ipsum") carry NaN in both.
 */
export interface RejectionReason {
  filter: string;
  rule: string;
  value: number;
  threshold: number;
}

/** Keep the document (as `text`, which a rewriting filter such as C4 may have changed) or reject it. */
export type FilterVerdict = { keep: true; text: string } | { keep: false; rejection: RejectionReason };

/**
 * One document's text with the derived views filters share, computed at most once: the spaCy-style
 * word list (both Gopher filters and FineWeb's list ratio need it) and the code-point length.
 */
export class TextView {
  private cachedWords: string[] | undefined;
  private cachedLength: number | undefined;

  constructor(readonly text: string) {}

  get words(): string[] {
    return (this.cachedWords ??= splitWords(this.text));
  }

  /** Python len(text). */
  get length(): number {
    return (this.cachedLength ??= pyLen(this.text));
  }
}

/** A heuristic document filter: a pure function of the text and the filter's options. */
export interface QualityFilter {
  /** Stable filter name used in rejections and counts, e.g. "gopher_quality". */
  readonly name: string;
  apply(doc: TextView): FilterVerdict;
}

export function keep(text: string): FilterVerdict {
  return { keep: true, text };
}

export function reject(filter: string, rule: string, value: number, threshold: number): FilterVerdict {
  return { keep: false, rejection: { filter, rule, value, threshold } };
}

/**
 * datatrove switches a threshold off when it is falsy (`if self.min_doc_words and ...`), so 0 and
 * null both disable a rule here too.
 */
export function isOn(threshold: number | null | undefined): threshold is number {
  return threshold !== null && threshold !== undefined && threshold !== 0;
}
