// `cptflow ingest` as a user runs it: the built CLI as a process, on the in-process bus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist/services/cli/src/main.js');
const SAMPLE = path.join(ROOT, 'libs/data/fixtures/ingest/sample.jsonl');

function cptflow(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, KAFKA_BROKERS: '', CPTFLOW_CONFIG: '' };
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--corpus takes domain or replay; a misspelt one is refused before anything is read (it would be trained as domain text)', () => {
  const ok = cptflow(['ingest', '--corpus', 'replay', SAMPLE]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /sample\.jsonl: \d+ documents/);
  const typo = cptflow(['ingest', '--corpus', 'replya', SAMPLE]);
  assert.equal(typo.code, 2, typo.stdout);
  assert.match(typo.stderr, /argument 'replya' is invalid\. Allowed choices are domain, replay/);
  assert.doesNotMatch(typo.stdout, /documents/);
});

test('a path with nothing to ingest, or a glob past the limits, is exit 2 and one line naming it, not a stack trace', () => {
  for (const [target, problem] of [['shards/*.parquet', /nothing to ingest at shards\/\*\.parquet/], ['x'.repeat(1100) + '*', /glob is 1101 characters/]] as const) {
    const r = cptflow(['ingest', target]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, problem);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});
