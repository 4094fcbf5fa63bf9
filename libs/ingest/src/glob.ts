// A small glob for `cptflow ingest 'data/**/*.parquet'`: `*` and `?` within a path segment, `**` across
// segments, `[abc]` classes and `{a,b}` alternatives. Dot-files match only when the pattern names the dot.
import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';

const MAGIC = /[*?[\]{}]/;

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
  const matcher = globToRegExp(rest.join('/'));
  const recursive = rest.includes('**');
  const maxDepth = recursive ? Infinity : rest.length;
  const out: string[] = [];
  await walk(base, '', 1, maxDepth, async (relative) => {
    if (matcher.test(relative)) out.push(base === '.' && !pattern.startsWith('.') ? relative : join(base, relative));
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

/** Translates the glob (with "/" separators) into an anchored regular expression over relative paths. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let i = 0;
  let inAlternatives = 0;
  const atSegmentStart = (): boolean => i === 0 || glob[i - 1] === '/';
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const wholeSegment = atSegmentStart() && (i + 2 === glob.length || glob[i + 2] === '/');
      if (wholeSegment) {
        // "**/" matches zero or more directories; a trailing "**" matches everything below.
        if (glob[i + 2] === '/') {
          out += '(?:(?!\\.)[^/]*/)*';
          i += 3;
        } else {
          out += '(?:(?!\\.)[^/]*(?:/(?!\\.)[^/]*)*)?';
          i += 2;
        }
        continue;
      }
      out += (atSegmentStart() ? '(?!\\.)' : '') + '[^/]*';
      i += 2;
      continue;
    }
    if (c === '*') {
      out += (atSegmentStart() ? '(?!\\.)' : '') + '[^/]*';
    } else if (c === '?') {
      out += (atSegmentStart() ? '(?!\\.)' : '') + '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
      } else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        out += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else if (c === '{') {
      inAlternatives++;
      out += '(?:';
    } else if (c === '}' && inAlternatives > 0) {
      inAlternatives--;
      out += ')';
    } else if (c === ',' && inAlternatives > 0) {
      out += '|';
    } else {
      out += c.replace(/[.+^$()|\\]/g, '\\$&');
    }
    i++;
  }
  return new RegExp('^' + out + '$');
}
