// bench/gpu/run.sh (the H200 benchmark) kept runnable: its --tiny --device cpu mode trains the
// plain PyTorch loop and the torch engine three ways (SDPA eager, flex eager, flex compiled) on the
// same batches and writes the result file; a spent time budget skips variants but keeps the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './python-env';
import { torchPythonOrSkip } from './testing/python';

const ENGINE_VARIANTS = ['torch_engine_sdpa', 'torch_engine_flex', 'torch_engine_flex_compiled'];
const PLAIN = 'plain_pytorch_transformers';

interface Variant {
  attention: string;
  compile: string | null;
  tokens_per_s: number;
  warmup_s: number;
  mfu: number;
  peak_memory_gib: number | null;
  compiled_graphs: number;
  first_losses: number[];
  error?: string;
}

function runBench(python: string, args: string[]): { status: number | null; stderr: string; result: { complete: boolean; variants: Record<string, Variant>; vs_plain?: Record<string, number>; scoring?: { samples_per_s: number } } } {
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-gpu-bench-'));
  try {
    const out = join(dir, 'gpu.json');
    const run = spawnSync('bash', [join(REPO_ROOT, 'bench/gpu/run.sh'), '--tiny', '--device', 'cpu', '--steps', '2', '--out', out, ...args], {
      env: { ...process.env, CPTFLOW_PYTHON: python, OMP_NUM_THREADS: '1' },
      encoding: 'utf8',
      timeout: 170_000,
    });
    return { status: run.status, stderr: run.stderr, result: JSON.parse(readFileSync(out, 'utf8')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bench/gpu/run.sh --tiny --device cpu measures the plain loop and every engine variant, and writes its JSON', { timeout: 180_000 }, (t) => {
  const python = torchPythonOrSkip(t);
  if (!python) return;
  const { status, stderr, result: r } = runBench(python, []);
  assert.equal(status, 0, stderr);
  assert.equal(r.complete, true);
  const variants = r.variants;
  assert.deepEqual(Object.keys(variants), [PLAIN, ...ENGINE_VARIANTS]);
  for (const [name, v] of Object.entries(variants)) {
    assert.ok(v.tokens_per_s > 0 && v.mfu > 0 && v.warmup_s > 0, `${name}: ${JSON.stringify(v)}`);
    assert.equal(v.peak_memory_gib, null, `${name}: peak memory is measured on a GPU only`);
    // Same weights, same first batch: the first losses agree (fp32 on CPU).
    assert.ok(Math.abs(v.first_losses[0] - variants[PLAIN].first_losses[0]) < 1e-5, `${name}: first loss ${v.first_losses[0]}`);
  }
  assert.deepEqual([variants.torch_engine_flex.attention, variants.torch_engine_flex.compile], ['flex', null]);
  assert.deepEqual([variants.torch_engine_flex_compiled.attention, variants.torch_engine_flex_compiled.compile], ['flex', 'aot_eager']);
  // One graph for both decoder blocks and every batch (each with its own document layout): were
  // dynamo to specialise per block or per layout, a GPU run would recompile, then fall back to eager.
  assert.equal(variants.torch_engine_flex_compiled.compiled_graphs, 1);
  assert.equal(variants.torch_engine_sdpa.compiled_graphs, 0);
  assert.deepEqual(Object.keys(r.vs_plain!), ENGINE_VARIANTS);
  assert.ok(r.scoring!.samples_per_s > 0);
});

test('bench/gpu/run.sh with its time budget spent records the variants it did not start, and exits non-zero', { timeout: 180_000 }, (t) => {
  const python = torchPythonOrSkip(t);
  if (!python) return;
  const { status, stderr, result: r } = runBench(python, ['--budget-s', '0']);
  assert.notEqual(status, 0);
  assert.match(stderr, /did not run/);
  assert.equal(r.complete, true);
  assert.ok(r.variants[PLAIN].tokens_per_s > 0, 'the baseline runs before any budget check');
  for (const name of ENGINE_VARIANTS) assert.match(r.variants[name].error ?? '', /not run: the 0 s budget was spent/, name);
  assert.deepEqual(r.vs_plain, {});
});
