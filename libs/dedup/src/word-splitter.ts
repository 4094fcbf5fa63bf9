// Splits simplified text (see simplifyText) into words the way datatrove's English word tokenizer,
// `spacy.blank("en")`, does on such text. Because simplification has already removed datatrove's
// punctuation, lowercased and collapsed whitespace, most of spaCy's rules can no longer fire; the
// ones that still can, and are ported here, are:
//  - tokenizer exceptions for apostrophe-less contractions ("dont" -> "do" "nt", "cannot" -> "can"
//    "not"), generated from spaCy into spacy-en-exceptions.ts;
//  - symbols (Unicode So, e.g. "©", "°", emoji) split off as tokens of their own;
//  - prefix characters spaCy strips (currency, "§", "¿", "¡", "·", a "+" not before a digit, ...);
//  - suffixes after a digit: currency and units ("0km" -> "0" "km", "0%" does not occur: "%" is
//    punctuation);
//  - "=" between characters and "+*^" between digits as separate tokens.
// Residual differences are possible for rare scripts and symbols; the parity test against datatrove
// (minhash-parity.test.ts) measures them on real text.
import { SPACY_EN_EXCEPTIONS } from './spacy-en-exceptions';

// A Map, not the object itself: words such as "constructor" must not hit Object.prototype.
const EXCEPTIONS = new Map<string, readonly string[]>(Object.entries(SPACY_EN_EXCEPTIONS));

const SYMBOL = /\p{So}/u;
const CURRENCY = /^\p{Sc}$/u;
const PREFIX_CHARS = new Set([...'§=¿¡·؟،۔؛٪‘‚"\'「」『』〔〕⟦⟧（）《》〈〉〈〉']);
const SUFFIX_CHARS = new Set([...'=¿¡·؟،۔؛٪‘‚「」『』〔〕⟦⟧（）《》〈〉〈〉']);
// spaCy's LIST_UNITS, lowercase forms only (the text is lowercased before it gets here).
const UNITS = new Set(
  (
    'km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz kmh mph ' +
    'mbar mb kb gb tb км км² км³ м м² м³ дм дм² дм³ см см² см³ мм мм² мм³ нм кг г мг мбар кб мб гб ' +
    'كم كم² كم³ م م² م³ سم سم² سم³ مم مم² مم³ غرام جرام جم كغ ملغ كوب اكواب'
  ).split(' '),
);
const DIGIT = /[0-9]/;
const PLAIN_WORD = /^[a-z0-9]+$/;

function isPrefix(ch: string, next: string | undefined): boolean {
  if (PREFIX_CHARS.has(ch) || CURRENCY.test(ch)) return true;
  return ch === '+' && !(next !== undefined && DIGIT.test(next));
}

function isSuffix(ch: string, before: string | undefined): boolean {
  if (SUFFIX_CHARS.has(ch)) return true;
  if (before !== undefined && DIGIT.test(before)) return ch === '+' || CURRENCY.test(ch);
  return false;
}

/** Index where a unit suffix starts ("0km" -> 1), or -1. The longest unit wins, as in spaCy. */
function unitSuffixStart(chars: string[]): number {
  for (let i = 1; i < chars.length; i++) {
    if (DIGIT.test(chars[i - 1]) && UNITS.has(chars.slice(i).join(''))) return i;
  }
  return -1;
}

function splitInfixes(word: string): string[] {
  const chars = [...word];
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const infix =
      (ch === '=' && i > 0 && i < chars.length - 1) ||
      ('+*^'.includes(ch) && i > 0 && i < chars.length - 1 && DIGIT.test(chars[i - 1]) && DIGIT.test(chars[i + 1]));
    if (infix) {
      if (current) out.push(current);
      out.push(ch);
      current = '';
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

function splitAffixes(word: string, out: string[]): void {
  const exception = EXCEPTIONS.get(word);
  if (exception) {
    out.push(...exception);
    return;
  }
  const chars = [...word];
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  let start = 0;
  let end = chars.length;
  let changed = true;
  while (changed && start < end) {
    changed = false;
    if (end - start > 1 && isPrefix(chars[start], chars[start + 1])) {
      prefixes.push(chars[start++]);
      changed = true;
    }
    if (EXCEPTIONS.has(chars.slice(start, end).join(''))) break;
    if (end - start > 1 && isSuffix(chars[end - 1], chars[end - 2])) {
      suffixes.unshift(chars[--end]);
      changed = true;
      continue;
    }
    const unitAt = unitSuffixStart(chars.slice(start, end));
    if (unitAt > 0) {
      suffixes.unshift(chars.slice(start + unitAt, end).join(''));
      end = start + unitAt;
      changed = true;
    }
  }
  out.push(...prefixes);
  const core = chars.slice(start, end).join('');
  if (core) {
    const coreException = EXCEPTIONS.get(core);
    if (coreException) out.push(...coreException);
    else out.push(...splitInfixes(core));
  }
  out.push(...suffixes);
}

/** Words of a simplified text, as datatrove's English word tokenizer would return them. */
export function splitWords(simplified: string): string[] {
  const words: string[] = [];
  for (const chunk of simplified.split(' ')) {
    if (!chunk) continue;
    // Fast path: plain lowercase ASCII words, the vast majority, need no affix rules.
    if (PLAIN_WORD.test(chunk) && !EXCEPTIONS.has(chunk) && !(DIGIT.test(chunk) && unitSuffixStart([...chunk]) > 0)) {
      words.push(chunk);
      continue;
    }
    // Symbols split everywhere (spaCy has them as prefix, suffix and infix).
    let piece = '';
    for (const ch of chunk) {
      if (SYMBOL.test(ch)) {
        if (piece) splitAffixes(piece, words);
        piece = '';
        words.push(ch);
      } else piece += ch;
    }
    if (piece) splitAffixes(piece, words);
  }
  return words;
}
