// bench/gpu/run.sh (the H200 benchmark) kept runnable: its --tiny --device cpu mode trains the
// torch engine three ways (SDPA eager, flex eager, flex compiled) and the plain PyTorch loop on the
// same batches and writes the result file.
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
  first_losses: number[];
}

test('bench/gpu/run.sh --tiny --device cpu measures every engine variant and the plain loop, and writes its JSON', { timeout: 180_000 }, (t) => {
  const python = torchPythonOrSkip(t);
  if (!python) return;
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-gpu-bench-'));
  try {
    const out = join(dir, 'gpu.json');
    const run = spawnSync('bash', [join(REPO_ROOT, 'bench/gpu/run.sh'), '--tiny', '--device', 'cpu', '--steps', '2', '--out', out], {
      env: { ...process.env, CPTFLOW_PYTHON: python, OMP_NUM_THREADS: '1' },
      encoding: 'utf8',
      timeout: 170_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const r = JSON.parse(readFileSync(out, 'utf8'));
    const variants: Record<string, Variant> = r.variants;
    assert.deepEqual(Object.keys(variants), [...ENGINE_VARIANTS, PLAIN]);
    for (const [name, v] of Object.entries(variants)) {
      assert.ok(v.tokens_per_s > 0 && v.mfu > 0 && v.warmup_s > 0, `${name}: ${JSON.stringify(v)}`);
      assert.equal(v.peak_memory_gib, null, `${name}: peak memory is measured on a GPU only`);
      // Same weights, same first batch: the first losses agree (fp32 on CPU).
      assert.ok(Math.abs(v.first_losses[0] - variants[PLAIN].first_losses[0]) < 1e-5, `${name}: first loss ${v.first_losses[0]}`);
    }
    assert.deepEqual([variants.torch_engine_flex.attention, variants.torch_engine_flex.compile], ['flex', null]);
    assert.deepEqual([variants.torch_engine_flex_compiled.attention, variants.torch_engine_flex_compiled.compile], ['flex', 'aot_eager']);
    assert.deepEqual(Object.keys(r.vs_plain), ENGINE_VARIANTS);
    assert.ok(r.scoring.samples_per_s > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
