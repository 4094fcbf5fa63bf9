// bench/gpu/run.sh (the H200 benchmark) kept runnable: its --tiny --device cpu mode trains the
// torch engine and the plain PyTorch loop on the same batches and writes the result file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './python-env';
import { torchPythonOrSkip } from './testing/python';

test('bench/gpu/run.sh --tiny --device cpu measures both trainers and writes its JSON', { timeout: 180_000 }, (t) => {
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
    for (const side of [r.torch_engine_fsdp2, r.plain_pytorch_transformers]) {
      assert.ok(side.tokens_per_s > 0 && side.mfu > 0, JSON.stringify(side));
    }
    // Same weights, same first batch: the first losses agree (fp32 on CPU).
    assert.ok(Math.abs(r.torch_engine_fsdp2.first_losses[0] - r.plain_pytorch_transformers.first_losses[0]) < 1e-5);
    assert.ok(r.scoring.samples_per_s > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
