// stages.trainer.engine: "torch" refused at start (exit 2, saying what to install) when its Python
// or its GPUs are missing; the torch section validated like every other setting.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '@cptflow/platform';
import { torchPythonOrSkip } from '@cptflow/torch-engine/testing';
import { parseTrainerConfig, torchEngineFromConfig } from './trainer.config';

const MAIN = join(__dirname, 'main.js');

describe('trainer engine selection', () => {
  it('exits 2 naming scripts/python-env.sh when engine "torch" has no Python', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cptflow-engine-'));
    try {
      const config = { stages: { trainer: { engine: 'torch', model: { randomPreset: 'cptflow-tiny' }, torch: { python: join(dir, 'no-such-python') } } } };
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      const run = spawnSync(process.execPath, [MAIN], { env: { ...process.env, CPTFLOW_CONFIG: join(dir, 'config.json'), OTEL_SDK_DISABLED: 'true' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /bash scripts\/python-env\.sh/);
      assert.match(run.stderr, /no-such-python/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses more GPUs than the machine has, with a ConfigError', (t) => {
    if (!torchPythonOrSkip(t)) return;
    const c = parseTrainerConfig({ engine: 'torch', model: { randomPreset: 'tiny' }, batchRows: 1, seqLen: 8, tokensPerStep: 1024 * 8, torch: { device: 'cuda', nprocPerNode: 1024 } });
    assert.throws(() => torchEngineFromConfig(c), (e: unknown) => e instanceof ConfigError && /nprocPerNode 1024 with device cuda needs 1024 GPUs/.test(e.message));
  });

  it('validates the torch section: micro-batches per step divisible by the ranks, an endpoint for several nodes', () => {
    assert.throws(() => parseTrainerConfig({ engine: 'torch', model: { randomPreset: 'tiny' }, batchRows: 1, seqLen: 8, tokensPerStep: 24, torch: { nprocPerNode: 2 } }), /multiple of batchRows x seqLen x nprocPerNode x nnodes/);
    assert.throws(() => parseTrainerConfig({ engine: 'torch', model: { randomPreset: 'tiny' }, torch: { nnodes: 2 } }), /rdzvEndpoint/);
    assert.throws(() => parseTrainerConfig({ engine: 'tensorflow', model: { randomPreset: 'tiny' } }), /engine/);
    assert.equal(parseTrainerConfig({ model: { randomPreset: 'tiny' } }).engine, 'onnx');
  });

  it('validates the fast path: attention names its choices, compile is a boolean with a known backend, both off by default', () => {
    const torch = (section: object) => parseTrainerConfig({ engine: 'torch', model: { randomPreset: 'tiny' }, torch: section }).torch;
    assert.throws(() => torch({ attention: 'flash' }), /torch\.attention: .*'sdpa' \| 'flex'.*'flash'/);
    assert.throws(() => torch({ compile: 'yes' }), /torch\.compile: Expected boolean/);
    assert.throws(() => torch({ compileBackend: 'cudagraphs' }), /torch\.compileBackend: .*'inductor' \| 'aot_eager'/);
    assert.throws(() => torch({ attention: 'flex', compile: true }), /torch\.compileBackend: .*needs compileBackend "aot_eager"/);
    assert.equal(torch({ attention: 'flex', compile: true, compileBackend: 'aot_eager' }).compileBackend, 'aot_eager');
    const defaults = torch({});
    assert.deepEqual([defaults.attention, defaults.compile, defaults.compileBackend], ['sdpa', false, 'inductor']);
    const fast = torch({ device: 'cuda', attention: 'flex', compile: true });
    assert.deepEqual([fast.attention, fast.compile], ['flex', true]);
  });
});

