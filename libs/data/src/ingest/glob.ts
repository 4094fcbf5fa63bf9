// A small glob for `cptflow ingest 'data/**/*.parquet'`: `*` and `?` within a path segment, `**` across
// segments, `[abc]` classes and `{a,b}` alternatives. Dot-files match only when the pattern names the dot.
//
// Matching is dynamic programming over (pattern token, path character) and (pattern segment, path
// segment), never backtracking: a pattern of m tokens against a name of n characters costs O(m·n), so a
// hostile pattern such as `*a*a*a*a*a*a*a*a*a*a*b` cannot stall the event loop the way a translated
// regular expression does. Patterns are capped in length and in how many alternatives `{}` expands to.
import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';

const MAGIC = /[*?[\]{}]/;

/** Longest accepted pattern, in characters. Real patterns are a path plus a few wildcards. */
export const MAX_GLOB_LENGTH = 1024;
/** Most patterns `{a,b}` alternatives may expand to (`{a,b}{c,d}` is four). */
export const MAX_GLOB_ALTERNATIVES = 256;

/** A pattern that is too long, expands to too many alternatives, or is otherwise unusable. */
export class GlobError extends Error {
  override readonly name = 'GlobError';
}

export function isGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** Files matching `pattern`, sorted, as paths joined onto the pattern's literal base directory. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const normalized = pattern.split(sep).join('/');
  const segments = normalized.split('/');
  const firstMagic = segments.findIndex((s) => isGlob(s));
  if (firstMagic === -1) return [pattern];
  const base = segments.slice(0, firstMagic).join('/') || (normalized.startsWith('/') ? '/' : '.');
  const rest = segments.slice(firstMagic);
  const matcher = compileGlob(rest.join('/'));
  const maxDepth = matcher.crossesSegments ? Infinity : matcher.maxSegments;
  const out: string[] = [];
  await walk(base, '', 1, maxDepth, async (relative) => {
    if (matcher.matches(relative)) out.push(base === '.' && !pattern.startsWith('.') ? relative : join(base, relative));
  });
  return out.sort();
}

async function walk(root: string, relative: string, depth: number, maxDepth: number, onFile: (rel: string) => Promise<void>): Promise<void> {
  const entries = await readdir(relative ? join(root, relative) : root, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    // isDirectory() is false for a symlink; follow symlinked folders only via an explicit path.
    if (entry.isDirectory()) {
      if (depth < maxDepth) await walk(root, rel, depth + 1, maxDepth, onFile);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      await onFile(rel);
    }
  }
}

type Token =
  | { kind: 'literal'; char: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negated: boolean; ranges: [string, string][] };

/** One path segment of a pattern: `**` (any number of segments) or a sequence of tokens. */
type Segment = { kind: 'globstar' } | { kind: 'tokens'; tokens: Token[] };

export interface GlobMatcher {
  /** Whether a relative path with "/" separators matches. */
  matches(path: string): boolean;
  /** True when some alternative contains `**`. */
  readonly crossesSegments: boolean;
  /** The most segments any alternative spans (the walk depth when nothing crosses segments). */
  readonly maxSegments: number;
}

/** Compiles the glob (with "/" separators); throws GlobError when it is too long or too wide. */
export function compileGlob(glob: string): GlobMatcher {
  if (glob.length > MAX_GLOB_LENGTH) throw new GlobError(`glob is ${glob.length} characters, above the limit of ${MAX_GLOB_LENGTH}`);
  const alternatives = expandBraces(glob).map(parsePattern);
  return {
    crossesSegments: alternatives.some((segments) => segments.some((s) => s.kind === 'globstar')),
    maxSegments: Math.max(...alternatives.map((segments) => segments.length)),
    matches(path: string): boolean {
      const names = path.split('/');
      return alternatives.some((segments) => matchSequence(segments, names, (s) => s.kind === 'globstar', (name) => !name.startsWith('.'), matchSegment));
    },
  };
}

/**
 * Whether `pattern` matches all of `items`, where star elements match any run of items they may absorb.
 * Row by row over the pattern; each row is one pass over the items, so the cost is |pattern|·|items|.
 */
function matchSequence<P, I>(
  pattern: readonly P[],
  items: readonly I[],
  isStar: (p: P) => boolean,
  starAbsorbs: (item: I) => boolean,
  matchOne: (p: P, item: I) => boolean,
): boolean {
  let row: boolean[] = new Array<boolean>(items.length + 1).fill(false);
  row[0] = true;
  for (const p of pattern) {
    const next: boolean[] = new Array<boolean>(items.length + 1).fill(false);
    if (isStar(p)) {
      next[0] = row[0]!;
      for (let j = 1; j <= items.length; j++) next[j] = row[j]! || (next[j - 1]! && starAbsorbs(items[j - 1]!));
    } else {
      for (let j = 1; j <= items.length; j++) next[j] = row[j - 1]! && matchOne(p, items[j - 1]!);
    }
    row = next;
  }
  return row[items.length]!;
}

function matchSegment(segment: Segment, name: string): boolean {
  if (segment.kind === 'globstar') return false;
  const tokens = segment.tokens;
  // A leading dot is matched only by a literal dot: `*.jsonl` does not see `.hidden.jsonl`.
  if (name.startsWith('.') && !(tokens[0]?.kind === 'literal' && tokens[0].char === '.')) return false;
  return matchSequence(tokens, [...name], (t) => t.kind === 'star', () => true, matchToken);
}

function matchToken(token: Token, char: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char === char;
    case 'any':
      return true;
    case 'class': {
      const inside = token.ranges.some(([low, high]) => char >= low && char <= high);
      return inside !== token.negated;
    }
    case 'star':
      return true;
  }
}

function parsePattern(glob: string): Segment[] {
  return glob.split('/').map((part): Segment => (part === '**' ? { kind: 'globstar' } : { kind: 'tokens', tokens: parseTokens(part) }));
}

function parseTokens(part: string): Token[] {
  const chars = [...part];
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      // `a**b` within a segment is just a star; consecutive stars add nothing.
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
    } else if (c === '[') {
      // The first character after `[` (or `[!`) may be `]` itself.
      const negated = chars[i + 1] === '!' || chars[i + 1] === '^';
      const start = i + 1 + (negated ? 1 : 0);
      const close = chars.indexOf(']', start + 1);
      if (close === -1) {
        tokens.push({ kind: 'literal', char: '[' });
        continue;
      }
      const body = chars.slice(start, close);
      const ranges: [string, string][] = [];
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === '-' && k + 2 < body.length) {
          ranges.push([body[k]!, body[k + 2]!]);
          k += 2;
        } else {
          ranges.push([body[k]!, body[k]!]);
        }
      }
      tokens.push({ kind: 'class', negated, ranges });
      i = close;
    } else {
      tokens.push({ kind: 'literal', char: c });
    }
  }
  return tokens;
}

/** `a{b,c{d,e}}f` -> `abf`, `acdf`, `acef`; an unmatched `{` or `}` is literal. */
function expandBraces(glob: string): string[] {
  const open = glob.indexOf('{');
  if (open === -1) return [glob];
  const close = matchingBrace(glob, open);
  if (close === -1) return expandBraces(glob.slice(open + 1)).map((rest) => glob.slice(0, open + 1) + rest);
  const prefix = glob.slice(0, open);
  const suffixes = expandBraces(glob.slice(close + 1));
  const out: string[] = [];
  for (const alternative of topLevelAlternatives(glob.slice(open + 1, close))) {
    for (const middle of expandBraces(alternative)) {
      for (const suffix of suffixes) {
        out.push(prefix + middle + suffix);
        if (out.length > MAX_GLOB_ALTERNATIVES) {
          throw new GlobError(`glob expands to more than ${MAX_GLOB_ALTERNATIVES} alternatives`);
        }
      }
    }
  }
  return out;
}

function matchingBrace(glob: string, open: number): number {
  let depth = 0;
  for (let i = open; i < glob.length; i++) {
    if (glob[i] === '{') depth++;
    else if (glob[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function topLevelAlternatives(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}') depth--;
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}
