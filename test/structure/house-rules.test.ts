// The house rules for imports (.dependency-cruiser.js) over the source tree: services -> libs only, no
// lib -> service, logic libs free of NestJS/kafkajs/TypeORM, no cycles, test scaffolding reachable only
// from tests and benchmarks. Reads the TypeScript sources, needs no broker or database (runs with --unit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.dependency-cruiser.js'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no .dependency-cruiser.js above ${from}`);
  }
}

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: Array<{ name: string }>;
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
  const { summary } = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  const lines = summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`);
  return { lines, rules: new Set(summary.violations.map((v) => v.rule.name)), cruised: summary.totalCruised };
}

test('imports follow the house rules (dependency-cruiser)', { timeout: 120_000 }, () => {
  const { lines, cruised } = violations(repoRoot(), ['libs', 'services', 'bench', 'test']);
  assert.ok(cruised > 100, `only ${cruised} modules cruised: is the source tree there?`);
  assert.deepEqual(lines, [], `house-rule violations:\n${lines.join('\n')}`);
});

test('each house rule catches the import it forbids (a small tree that breaks every rule once)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-house-rules-'));
  try {
    const files: Record<string, string> = {
      'libs/quality/src/uses-service.ts': "import { b } from '../../../services/x/src/b';\nexport const a = b;\n",
      'libs/quality/src/uses-nest.ts': "import { Injectable } from '@nestjs/common';\nexport const i = Injectable;\n",
      'services/x/src/b.ts': "import { c } from '../../y/src/c';\nexport const b = c;\n",
      'services/y/src/c.ts': "import { z } from '../../../bench/z';\nexport const c = z;\n",
      'bench/z.ts': 'export const z = 1;\n',
      'libs/eval/src/p.ts': "import { q } from './q';\nexport const p = () => q;\n",
      'libs/eval/src/q.ts': "import { p } from './p';\nexport const q = () => p;\n",
      'libs/eval/src/uses-testing.ts': "import { f } from './testing';\nexport const u = f;\n",
      'libs/eval/src/testing/index.ts': 'export const f = 1;\n',
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node10', strict: true } }),
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    symlinkSync(join(repoRoot(), 'node_modules'), join(dir, 'node_modules'), 'dir');
    const { lines, rules } = violations(dir, ['libs', 'services', 'bench']);
    assert.deepEqual(
      [...rules].sort(),
      ['logic-libs-no-framework', 'no-cross-service', 'no-cycles', 'no-lib-to-service', 'scaffolding-only-from-tests', 'services-import-libs-only'],
      lines.join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
