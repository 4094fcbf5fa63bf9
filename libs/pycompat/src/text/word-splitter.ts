// English word and sentence splitting that follows datatrove's SpaCyTokenizer("en").
//
// datatrove (0.10) splits English words with spacy.blank("en") and counts C4 sentences with
// spaCy's rule-based "sentencizer" (src/datatrove/utils/word_tokenizers.py). Word counts,
// punctuation tokens and n-grams all feed filter thresholds, so a whitespace or `\w+` splitter
// moves decisions (e.g. "don't." is 3 spaCy tokens: "do", "n't", "."). This module re-implements
// spaCy's tokenizer algorithm (whitespace chunks -> special cases -> prefix/suffix peeling ->
// URL match -> infix splitting) over spaCy's own English rule tables, which
// fixtures/export_reference_tables.py exports into reference-tables.generated.ts.
// Known differences from spaCy are listed in README.md ("Word splitting").

import { isPySpace } from './python-text';
import {
  SPACY_EN_INFIX_PATTERN,
  SPACY_EN_LONGEST_FIXED_SUFFIX,
  SPACY_EN_PREFIX_PATTERN,
  SPACY_EN_SPECIAL_CASES,
  SPACY_EN_SUFFIX_PATTERN,
  SPACY_EN_URL_PATTERN,
  SPACY_SENTENCIZER_PUNCT_CHARS,
} from './reference-tables.generated';

// Sticky (`y`) so that the start-anchored patterns are tried at position 0 only, not at every
// position of the string (V8 does not infer that from a `^` inside each alternative).
const PREFIX = new RegExp(SPACY_EN_PREFIX_PATTERN, 'uy');
const URL = new RegExp(SPACY_EN_URL_PATTERN, 'uy');
// Global so a search can start near the end of the string (see suffixLength).
const SUFFIX = new RegExp(SPACY_EN_SUFFIX_PATTERN, 'gu');
const INFIX = new RegExp(SPACY_EN_INFIX_PATTERN, 'gu');
/**
 * Every suffix alternative except a run of dots ("\.\.+$") matches at most 5 UTF-16 units (the
 * longest are spaCy's unit names, e.g. the Arabic "اكواب"; then "km/h", "US$", "'s", "……"), so
 * the leftmost suffix match starts within the last SUFFIX_WINDOW units; lookbehinds still see
 * the whole string.
 */
const SUFFIX_WINDOW = 10;
if (SPACY_EN_LONGEST_FIXED_SUFFIX > SUFFIX_WINDOW) {
  throw new Error(`spaCy suffixes of ${SPACY_EN_LONGEST_FIXED_SUFFIX} units exceed SUFFIX_WINDOW; raise it`);
}
/** Letters, marks and numbers only: no infix alternative can match (each needs punctuation or a symbol). */
const NO_INFIX_POSSIBLE = /^[\p{L}\p{M}\p{N}]*$/u;
const SPECIALS = new Map<string, readonly string[]>(Object.entries(SPACY_EN_SPECIAL_CASES));
/**
 * Longest exception, in UTF-16 units. Looking up longer strings is pointless, and skipping it keeps
 * affix peeling linear: hashing every shrinking remainder of a 100k-character run of
 * punctuation would be quadratic.
 */
const MAX_SPECIAL_LENGTH = Math.max(...[...SPECIALS.keys()].map((k) => k.length));

function specialCase(s: string): readonly string[] | undefined {
  return s.length <= MAX_SPECIAL_LENGTH ? SPECIALS.get(s) : undefined;
}
const SENTENCE_END = new Set(SPACY_SENTENCIZER_PUNCT_CHARS);
const ALL_PUNCT = /^\p{P}+$/u;

// spaCy caches the tokens of each whitespace-free chunk; natural text repeats chunks heavily.
const CACHE_LIMIT = 50_000;
const chunkCache = new Map<string, readonly string[]>();

/** Chunks made only of ASCII letters, or only of ASCII digits, are never split by an affix rule. */
function isPlainChunk(s: string): boolean {
  const first = s.charCodeAt(0);
  const letters = (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (letters ? !((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) : !(c >= 0x30 && c <= 0x39)) return false;
  }
  return true;
}

function prefixLength(s: string): number {
  PREFIX.lastIndex = 0;
  const m = PREFIX.exec(s);
  return m ? m[0].length : 0;
}

function suffixLength(s: string): number {
  // a trailing dot run can be arbitrarily long: search the whole string then
  SUFFIX.lastIndex = s.endsWith('..') ? 0 : Math.max(0, s.length - SUFFIX_WINDOW);
  const m = SUFFIX.exec(s);
  return m ? m[0].length : 0;
}

function isUrl(s: string): boolean {
  URL.lastIndex = 0;
  return URL.test(s);
}

/**
 * Moves a prefix of `pre` and a suffix of `suf` UTF-16 units of `s` onto their lists (both when they
 * do not overlap, else the prefix alone) and returns what is left: one round of spaCy's affix peeling.
 */
function peelAffixes(s: string, pre: number, suf: number, prefixes: string[], suffixes: string[]): string {
  if (pre && suf && pre + suf <= s.length) {
    prefixes.push(s.slice(0, pre));
    suffixes.push(s.slice(s.length - suf));
    return s.slice(pre, s.length - suf);
  }
  if (pre) {
    prefixes.push(s.slice(0, pre));
    return s.slice(pre);
  }
  if (suf) {
    suffixes.push(s.slice(s.length - suf));
    return s.slice(0, s.length - suf);
  }
  return s;
}

/** spaCy Tokenizer._split_affixes + _attach_tokens for one whitespace-free chunk. */
function tokenizeChunk(chunk: string, out: string[]): void {
  const special = specialCase(chunk);
  if (special) {
    for (const t of special) out.push(t);
    return;
  }
  if (isPlainChunk(chunk)) {
    out.push(chunk);
    return;
  }
  const cached = chunkCache.get(chunk);
  if (cached) {
    for (const t of cached) out.push(t);
    return;
  }
  const tokens: string[] = [];
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  let s = chunk;
  let lastSize = -1;
  while (s.length > 0 && s.length !== lastSize) {
    if (specialCase(s)) break;
    lastSize = s.length;
    const pre = prefixLength(s);
    if (pre !== 0) {
      const minusPre = s.slice(pre);
      if (minusPre && specialCase(minusPre)) {
        prefixes.push(s.slice(0, pre));
        s = minusPre;
        break;
      }
    }
    const suf = suffixLength(s.slice(pre));
    if (suf !== 0) {
      const minusSuf = s.slice(0, s.length - suf);
      if (minusSuf && specialCase(minusSuf)) {
        suffixes.push(s.slice(s.length - suf));
        s = minusSuf;
        break;
      }
    }
    s = peelAffixes(s, pre, suf, prefixes, suffixes);
  }
  for (const p of prefixes) tokens.push(p);
  if (s) {
    const sp = specialCase(s);
    if (sp) tokens.push(...sp);
    else if (isUrl(s)) tokens.push(s);
    else splitInfixes(s, tokens);
  }
  for (let i = suffixes.length - 1; i >= 0; i--) tokens.push(suffixes[i]);
  if (chunkCache.size >= CACHE_LIMIT) chunkCache.clear();
  chunkCache.set(chunk, tokens);
  for (const t of tokens) out.push(t);
}

/** Affix-only tokenization (special cases off), as spaCy builds its special-case patterns. */
function affixTokens(chunk: string): string[] {
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  let s = chunk;
  let lastSize = -1;
  while (s.length > 0 && s.length !== lastSize) {
    lastSize = s.length;
    const pre = prefixLength(s);
    const suf = suffixLength(s.slice(pre));
    s = peelAffixes(s, pre, suf, prefixes, suffixes);
  }
  const tokens = [...prefixes];
  if (s) {
    if (isUrl(s)) tokens.push(s);
    else splitInfixes(s, tokens);
  }
  for (let i = suffixes.length - 1; i >= 0; i--) tokens.push(suffixes[i]);
  return tokens;
}

/**
 * spaCy's second pass (Tokenizer._apply_special_cases): a special case that itself contains
 * affixes (for example "Mr." or "''") is also recognised where affix splitting produced exactly
 * its pieces ("--Mr." -> "--", "Mr", "." -> "--", "Mr."). spaCy matches the pieces over the
 * whole document's tokens, so a match may straddle two chunks separated by one space; such a
 * match is never applied (its text contains the space) but it still blocks overlapping matches,
 * which is why this pass runs per document and not per chunk. Patterns are indexed by their
 * first piece.
 */
const SPECIAL_PATTERNS = new Map<string, { pieces: string[]; text: string }[]>();
for (const key of SPECIALS.keys()) {
  if (key.includes(' ')) continue;
  INFIX.lastIndex = 0;
  if (prefixLength(key) === 0 && suffixLength(key) === 0 && !INFIX.test(key)) continue;
  INFIX.lastIndex = 0;
  const pieces = affixTokens(key);
  const list = SPECIAL_PATTERNS.get(pieces[0]) ?? [];
  list.push({ pieces, text: key });
  SPECIAL_PATTERNS.set(pieces[0], list);
}

/** A document's tokens; chunk[i] numbers the whitespace-delimited span token i came from. */
interface TokenStream {
  tokens: string[];
  chunk: number[];
  isSpace: boolean[];
}

function applySpecialSpans(stream: TokenStream): void {
  const { tokens, chunk } = stream;
  let matches: [number, number, string][] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const candidates = SPECIAL_PATTERNS.get(tokens[i]);
    if (!candidates) continue;
    for (const { pieces, text } of candidates) {
      if (i + pieces.length > tokens.length) continue;
      let ok = true;
      for (let k = 1; k < pieces.length && ok; k++) ok = tokens[i + k] === pieces[k];
      if (ok) (matches ??= []).push([i, i + pieces.length, text]);
    }
  }
  if (!matches) return;
  // longest first, then leftmost; a match survives unless its first or last token is already
  // covered, and every match covers its tokens whether it survives or not (spaCy's
  // _filter_special_spans)
  matches.sort((a, b) => b[1] - b[0] - (a[1] - a[0]) || a[0] - b[0]);
  const covered = new Set<number>();
  const kept = new Map<number, [number, string]>();
  for (const [start, end, text] of matches) {
    // a surviving match across two chunks changes nothing: its text has a space, so no rule applies
    if (!covered.has(start) && !covered.has(end - 1) && chunk[start] === chunk[end - 1]) kept.set(start, [end, text]);
    for (let k = start; k < end; k++) covered.add(k);
  }
  const out: TokenStream = { tokens: [], chunk: [], isSpace: [] };
  for (let i = 0; i < tokens.length; ) {
    const m = kept.get(i);
    if (m) {
      for (const t of SPECIALS.get(m[1])!) {
        out.tokens.push(t);
        out.chunk.push(chunk[i]);
        out.isSpace.push(false);
      }
      i = m[0];
    } else {
      out.tokens.push(tokens[i]);
      out.chunk.push(chunk[i]);
      out.isSpace.push(stream.isSpace[i]);
      i++;
    }
  }
  Object.assign(stream, out);
}

function splitInfixes(s: string, out: string[]): void {
  if (isPlainChunk(s) || NO_INFIX_POSSIBLE.test(s)) {
    out.push(s);
    return;
  }
  // an exec loop, not String.matchAll: matchAll clones (and recompiles) this 15 kB pattern per call
  INFIX.lastIndex = 0;
  let start = 0;
  let any = false;
  for (let m = INFIX.exec(s); m !== null; m = INFIX.exec(s)) {
    const infixStart = m.index;
    const infixEnd = infixStart + m[0].length;
    if (infixEnd === infixStart) INFIX.lastIndex++; // never stall on an empty match
    // spaCy ignores an infix at the very start of the string
    if (infixStart === 0) continue;
    any = true;
    if (infixStart !== start) out.push(s.slice(start, infixStart));
    if (infixStart !== infixEnd) out.push(s.slice(infixStart, infixEnd));
    start = infixEnd;
  }
  if (!any) {
    out.push(s);
    return;
  }
  if (start < s.length) out.push(s.slice(start));
}

/**
 * All spaCy tokens of `text`, whitespace tokens included: spaCy keeps a whitespace run as a token,
 * except for one plain space after a chunk, which it absorbs.
 */
function tokenize(text: string): TokenStream {
  const stream: TokenStream = { tokens: [], chunk: [], isSpace: [] };
  if (text.length === 0) return stream;
  let inWs = isPySpace(text.charCodeAt(0));
  let start = 0;
  let chunkId = 0;
  const pieces: string[] = [];
  const emit = (end: number) => {
    if (start >= end) return;
    const span = text.slice(start, end);
    chunkId++;
    if (inWs) {
      stream.tokens.push(span);
      stream.chunk.push(chunkId);
      stream.isSpace.push(true);
      return;
    }
    pieces.length = 0;
    tokenizeChunk(span, pieces);
    for (const t of pieces) {
      stream.tokens.push(t);
      stream.chunk.push(chunkId);
      stream.isSpace.push(false);
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isPySpace(c) !== inWs) {
      emit(i);
      start = c === 0x20 ? i + 1 : i;
      inWs = !inWs;
    }
  }
  emit(text.length);
  applySpecialSpans(stream);
  return stream;
}

/** datatrove split_into_words(text, "en"): spaCy tokens, stripped, empty ones dropped. */
export function splitWords(text: string): string[] {
  const { tokens, isSpace } = tokenize(text);
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i++) if (!isSpace[i]) words.push(tokens[i]);
  return words;
}

/**
 * Number of sentences spaCy's sentencizer finds in `text` (datatrove split_into_sentences
 * length, at least 1). A sentence ends after a token in the sentencizer's punctuation list,
 * at the next token that is not punctuation (whitespace tokens are not punctuation).
 */
export function countSentences(text: string): number {
  const { tokens, isSpace } = tokenize(text);
  let sentences = 1;
  let seenPeriod = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const isEnd = SENTENCE_END.has(t);
    if (seenPeriod && !isEnd && (isSpace[i] || !ALL_PUNCT.test(t))) {
      sentences++;
      seenPeriod = false;
    } else if (isEnd) seenPeriod = true;
  }
  return sentences;
}
