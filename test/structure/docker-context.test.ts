// compose/Dockerfile builds from the repository root (`context: ..`) with `npm ci` and then `COPY . .`.
// Without a .dockerignore that copy brings the host's node_modules (native modules built for another
// Node or libc) over the image's own install, the host's dist/ and .cache/ (gigabytes of Python), and
// compose/secrets.env, the deployment's tokens and database password, into an image layer. Checked
// statically: Docker cannot run here. Root-level entries only, as the context root is the repository's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'compose', 'Dockerfile'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no compose/Dockerfile above ${from}`);
  }
}

/** The .dockerignore patterns, as Docker cleans them (comments and blank lines dropped, no leading or trailing slash). */
function ignorePatterns(root: string): string[] {
  const file = join(root, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.replace(/^\/+|\/+$/g, ''));
}

/** Whether a path is left out of the build context: a pattern names it or a folder above it (no `!` exceptions used). */
function ignored(patterns: string[], path: string): boolean {
  const globToRegExp = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  return patterns.some((pattern) => prefixes.some((prefix) => globToRegExp(pattern).test(prefix)));
}

test("the image's build context leaves out the host's installs, build outputs, caches and compose secrets", () => {
  const patterns = ignorePatterns(repoRoot());
  for (const path of ['node_modules', 'dist', '.cache/python/bin/python', 'runs/2026-12-04/report.html', 'test-artifacts', 'compose/secrets.env', 'tsconfig.tsbuildinfo', '.git']) {
    assert.ok(ignored(patterns, path), `${path} reaches the build context (.dockerignore: ${JSON.stringify(patterns)})`);
  }
});

test('the build context keeps everything the image build reads', () => {
  const patterns = ignorePatterns(repoRoot());
  for (const path of ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.build.json', 'proto/cptflow.proto', 'scripts/gen-proto.js', 'libs/platform/src/index.ts', 'services/cli/src/main.ts', 'test/support/services.js', 'bench/load.ts', 'data/corpora/domain.jsonl.gz', 'data/models/cptflow-tiny-base/config.json', 'compose/Dockerfile']) {
    assert.ok(!ignored(patterns, path), `${path} is left out of the build context, but the image build needs it`);
  }
});
