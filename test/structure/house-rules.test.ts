// The house rules for imports (.dependency-cruiser.js) over the source tree: services -> libs only, no
// lib -> service, logic libs free of NestJS/kafkajs/TypeORM, no cycles, test scaffolding reachable only
// from tests and benchmarks. Reads the TypeScript sources, needs no broker or database (runs with --unit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

test('imports follow the house rules (dependency-cruiser)', { timeout: 120_000 }, () => {
  const root = repoRoot();
  const cli = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const run = spawnSync(process.execPath, [cli, '--config', '.dependency-cruiser.js', '--output-type', 'json', 'libs', 'services', 'bench', 'test'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.ok(run.stdout, `dependency-cruiser printed nothing (exit ${run.status}): ${run.stderr}`);
  const { summary } = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  assert.ok(summary.totalCruised > 100, `only ${summary.totalCruised} modules cruised: is the source tree there?`);
  const lines = summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`);
  assert.deepEqual(lines, [], `house-rule violations:\n${lines.join('\n')}`);
});
