// Text normalization for the two kinds of duplicate detection.
//
// simplifyText: a port of datatrove's `simplify_text` with its default TextNormConfig
// (src/datatrove/utils/text.py @ a649de79), the normalization MinHash shingles are built from.
// In datatrove's order: lowercase; every run of digits (any script, with an optional decimal
// separator and fraction) becomes "0"; every character of datatrove's PUNCTUATION string becomes a
// space; whitespace runs collapse to one space and the ends are stripped; then NFD and combining
// marks (category Mn) are dropped, which turns "café" into "cafe". Weekday/month normalization is
// off by default in datatrove and is not ported.
//
// normalizeForExactMatch: what the exact-duplicate hash is computed over (see its comment).

// datatrove's PUNCTUATION: an ASCII + CJK punctuation string followed by the control characters
// 0-8, 11-12, 13-31 and 127-159 (tab and newline are not in it; they are whitespace).
const DATATROVE_PUNCTUATION =
  '!/\u2014\u201d:\uff05\uff11\u3008&(\u3001\u2501\\\u3010#%\u300c\u300d\uff0c\u3011\uff1b+^]~\u201c\u300a\u201e\';\u2019{|\u2236\u00b4[=-`*\uff0e\uff08\u2013\uff1f\uff01\uff1a$\uff5e\u00ab\u3009,><\u300b)?\uff09\u3002\u2026@_."}\u25ba\u00bb';

function controlCharacters(): string {
  let out = '';
  const ranges: Array<[number, number]> = [[0, 9], [11, 13], [13, 32], [127, 160]];
  for (const [from, to] of ranges) for (let c = from; c < to; c++) out += String.fromCharCode(c);
  return out;
}

const PUNCTUATION_CHARS = new Set<string>([...DATATROVE_PUNCTUATION, ...controlCharacters()]);

// Python's `\d` / regex `\p{Nd}` digits, optionally followed by one decimal separator and digits.
const NUMBERS = /\p{Nd}+(?:[.,\u060c\u066b\u2396\u2397\u2398]\p{Nd}+)?/gu;

// Python's whitespace (str.isspace / re's unicode \s). JavaScript's \s differs: it includes U+FEFF
// and lacks U+001C-U+001F and U+0085, so the class is spelled out.
const PY_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'g');
const LEADING_WS = new RegExp(`^[${PY_WHITESPACE}]+`);
const TRAILING_WS = new RegExp(`[${PY_WHITESPACE}]+$`);
const COMBINING_MARKS = /\p{Mn}/gu;

function pyStrip(text: string): string {
  return text.replace(LEADING_WS, '').replace(TRAILING_WS, '');
}

function replacePunctuationWithSpaces(text: string): string {
  let out = '';
  for (const ch of text) out += PUNCTUATION_CHARS.has(ch) ? ' ' : ch;
  return out;
}

/** datatrove's `simplify_text(text)` with the default TextNormConfig. */
export function simplifyText(text: string): string {
  let t = text.toLowerCase();
  t = t.replace(NUMBERS, '0');
  t = replacePunctuationWithSpaces(t);
  t = pyStrip(t).replace(WHITESPACE_RUN, ' ');
  t = t.normalize('NFD').replace(COMBINING_MARKS, '');
  return pyStrip(t);
}

/**
 * The text an exact-duplicate hash is taken over: Unicode NFC (so composed and decomposed accents
 * compare equal), every whitespace run (spaces, tabs, newlines, CRLF) collapsed to one space, and
 * the ends trimmed. Case, punctuation and digits are kept: two documents are exact duplicates only
 * when a reader would see the same words in the same order. Everything looser is MinHash's job.
 */
export function normalizeForExactMatch(text: string): string {
  return pyStrip(text.normalize('NFC')).replace(WHITESPACE_RUN, ' ');
}
