// The house rules for imports (.dependency-cruiser.js) over the source tree: services -> libs only, no
// lib -> service, NestJS/kafkajs/TypeORM only in the host, transport and store, another lib only through
// its entry, never a lib's own entry, no cycles, test scaffolding reachable only from tests and
// benchmarks. Two rules are about how an import is written, not where it lands, so a plain scan of the
// specifiers checks them: no `../` path out of a lib into another, no lib importing its own @cptflow/
// alias. Reads the TypeScript sources, needs no broker or database (runs with --unit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';

function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.dependency-cruiser.js'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no .dependency-cruiser.js above ${from}`);
  }
}

interface CruisedModule {
  source: string;
  dependencies: Array<{ resolved: string }>;
}

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: Array<{ name: string }>;
}

const libOf = (file: string) => /^libs\/([^/]+)\//.exec(file)?.[1];
const isScaffolding = (file: string) => /\.test\.ts$|\.testutil\.ts$|\/testing\//.test(file);

/**
 * Cycles between libs ('no-lib-cycles'): lib A's production code imports lib B and B's imports A. A file
 * cycle through two entries shows as no-cycles already; this also catches the cycle whose files happen
 * not to close a loop (A's x imports B, B's y imports A's entry, which does not export x).
 */
function libCycles(modules: CruisedModule[]): string[] {
  const edges = new Map<string, Set<string>>();
  for (const m of modules) {
    const from = libOf(m.source);
    if (!from || isScaffolding(m.source)) continue;
    for (const d of m.dependencies) {
      const to = libOf(d.resolved);
      if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  const cycles: string[] = [];
  const visit = (lib: string, path: string[]) => {
    for (const next of edges.get(lib) ?? []) {
      if (next === path[0]) cycles.push(`no-lib-cycles: ${[...path, next].join(' -> ')}`);
      else if (!path.includes(next) && next > path[0]) visit(next, [...path, next]);
    }
  };
  for (const lib of [...edges.keys()].sort()) visit(lib, [lib]);
  return cycles;
}

/** dependency-cruiser's violations over `dirs` of `root`, with the repository's rules. */
function violations(root: string, dirs: string[]): { lines: string[]; rules: Set<string>; cruised: number } {
  const repo = repoRoot();
  const cli = join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const run = spawnSync(process.execPath, [cli, '--config', join(repo, '.dependency-cruiser.js'), '--output-type', 'json', ...dirs], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.ok(run.stdout, `dependency-cruiser printed nothing (exit ${run.status}): ${run.stderr}`);
  const { summary, modules } = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number }; modules: CruisedModule[] };
  const lines = summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`);
  const cycles = libCycles(modules);
  const rules = new Set([...summary.violations.map((v) => v.rule.name), ...cycles.map((c) => c.split(':')[0])]);
  return { lines: [...lines, ...cycles], rules, cruised: summary.totalCruised };
}

/** The module specifiers a TypeScript file names: import/export ... from, import(), require(). */
function specifiersOf(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) found.push(m[1]);
  return found;
}

function tsFiles(root: string, dir: string, out: string[] = []): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return out;
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    const rel = posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') tsFiles(root, rel, out);
    } else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/**
 * How imports are written: a relative specifier that leaves its lib for another lib
 * ('no-cross-lib-relative'), and a lib importing its own @cptflow/<lib> alias ('no-own-alias').
 */
function specifierViolations(root: string, dirs: string[]): { lines: string[]; rules: Set<string> } {
  const lines: string[] = [];
  const rules = new Set<string>();
  const flag = (rule: string, file: string, spec: string) => {
    rules.add(rule);
    lines.push(`${rule}: ${file} -> ${spec}`);
  };
  for (const file of dirs.flatMap((d) => tsFiles(root, d))) {
    const ownLib = /^libs\/([^/]+)\//.exec(file)?.[1];
    for (const spec of specifiersOf(readFileSync(join(root, file), 'utf8'))) {
      if (ownLib && (spec === `@cptflow/${ownLib}` || spec.startsWith(`@cptflow/${ownLib}/`))) flag('no-own-alias', file, spec);
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const targetLib = /^libs\/([^/]+)(\/|$)/.exec(target)?.[1];
      if (targetLib !== undefined && targetLib !== ownLib) flag('no-cross-lib-relative', file, spec);
    }
  }
  return { lines, rules };
}

test('imports follow the house rules (dependency-cruiser)', { timeout: 120_000 }, () => {
  const { lines, cruised } = violations(repoRoot(), ['libs', 'services', 'bench', 'test']);
  assert.ok(cruised > 100, `only ${cruised} modules cruised: is the source tree there?`);
  assert.deepEqual(lines, [], `house-rule violations:\n${lines.join('\n')}`);
});

test('imports are written through aliases across libs and relatively inside one', () => {
  const { lines } = specifierViolations(repoRoot(), ['libs', 'services', 'bench', 'test']);
  assert.deepEqual(lines, [], `house-rule violations:\n${lines.join('\n')}`);
});

test('each house rule catches the import it forbids (a small tree that breaks every rule once)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-house-rules-'));
  try {
    const files: Record<string, string> = {
      'libs/data/src/quality/uses-service.ts': "import { b } from '../../../../services/x/src/b';\nexport const a = b;\n",
      'libs/data/src/quality/uses-nest.ts': "import { Injectable } from '@nestjs/common';\nexport const i = Injectable;\n",
      'services/x/src/b.ts': "import { c } from '../../y/src/c';\nexport const b = c;\n",
      'services/y/src/c.ts': "import { z } from '../../../bench/z';\nexport const c = z;\n",
      'bench/z.ts': 'export const z = 1;\n',
      'libs/evaluation/src/eval/p.ts': "import { q } from './q';\nexport const p = () => q;\n",
      'libs/evaluation/src/eval/q.ts': "import { p } from './p';\nexport const q = () => p;\n",
      'libs/evaluation/src/eval/uses-testing.ts': "import { f } from './testing';\nexport const u = f;\n",
      'libs/evaluation/src/eval/testing/index.ts': 'export const f = 1;\n',
      'libs/model/src/index.ts': "export { m } from './llama/m';\n",
      'libs/model/src/llama/m.ts': 'export const m = 1;\n',
      'libs/model/src/llama/uses-data.ts': "import { e } from '@cptflow/data';\nexport const u = e;\n",
      'libs/data/src/index.ts': "export { e } from './quality/uses-entry';\n",
      'libs/data/src/quality/uses-entry.ts': "import { m } from '@cptflow/model';\nexport const e = m;\n",
      'libs/data/src/quality/deep.ts': "import { m } from '../../../model/src/llama/m';\nexport const d = m;\n",
      'libs/data/src/packing/own.ts': "import { e } from '@cptflow/data';\nexport const o = e;\n",
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          module: 'commonjs',
          moduleResolution: 'node10',
          strict: true,
          paths: { '@cptflow/model': ['./libs/model/src'], '@cptflow/data': ['./libs/data/src'] },
        },
      }),
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    symlinkSync(join(repoRoot(), 'node_modules'), join(dir, 'node_modules'), 'dir');
    const cruised = violations(dir, ['libs', 'services', 'bench']);
    const scanned = specifierViolations(dir, ['libs', 'services', 'bench']);
    assert.deepEqual(
      [...cruised.rules, ...scanned.rules].sort(),
      [
        'libs-through-their-entry',
        'logic-libs-no-framework',
        'no-cross-lib-relative',
        'no-cross-service',
        'no-cycles',
        'no-lib-cycles',
        'no-lib-to-service',
        'no-own-alias',
        'no-own-entry',
        'scaffolding-only-from-tests',
        'services-import-libs-only',
      ],
      [...cruised.lines, ...scanned.lines].join('\n'),
    );
    // the good import of the tree, through model's entry, breaks no rule of its own: it only closes the
    // lib cycle with model's uses-data.ts
    const all = [...cruised.lines, ...scanned.lines];
    assert.deepEqual(all.filter((l) => l.includes('uses-entry.ts') || l.includes('uses-data.ts')), [], all.join('\n'));
    assert.ok(all.includes('no-lib-cycles: data -> model -> data'), all.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
