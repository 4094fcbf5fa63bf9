// Finding the Python that runs the worker group, and refusing early (exit 2 in the services) when
// it cannot: no interpreter, no torch, or fewer GPUs than the config asks for.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@cptflow/platform';
import type { TorchSettings } from './settings';

/** The repository root, from dist/libs/torch-engine/src or libs/torch-engine/src. */
export const REPO_ROOT = join(__dirname, __dirname.includes(join('dist', 'libs')) ? '../../../..' : '../../..');
/** The worker's Python package (cptflow_torch) lives here; it goes on PYTHONPATH. */
export const PYTHON_PACKAGE_DIR = join(REPO_ROOT, 'libs', 'torch-engine', 'python');
export const INSTALL_HINT = 'run `bash scripts/python-env.sh` (makes .cache/python with torch, transformers, safetensors from PyPI) or set CPTFLOW_PYTHON to an interpreter that has them';

/** A ConfigError: the services exit 2 with it, as for any unusable setting. */
export class TorchUnavailable extends ConfigError {}

/** The interpreter of the environment scripts/python-env.sh makes. */
export const PROJECT_VENV_PYTHON = join(REPO_ROOT, '.cache', 'python', 'bin', 'python');

/** The interpreter: the setting, else $CPTFLOW_PYTHON, else the repo's .cache/python; null when it does not exist. */
export function findPython(setting?: string): string | null {
  const chosen = setting ?? process.env.CPTFLOW_PYTHON ?? PROJECT_VENV_PYTHON;
  return existsSync(chosen) ? chosen : null;
}

export interface TorchEnvironment {
  python: string;
  torch: string;
  cudaDevices: number;
}

/** Checks the interpreter imports the worker's packages and has the GPUs asked for; throws TorchUnavailable. */
export function checkTorchEnvironment(s: Pick<TorchSettings, 'python' | 'device' | 'nprocPerNode'>): TorchEnvironment {
  const python = findPython(s.python);
  if (!python) throw new TorchUnavailable(`engine "torch" needs a Python with torch, but ${s.python ?? process.env.CPTFLOW_PYTHON ?? '.cache/python/bin/python'} does not exist: ${INSTALL_HINT}`);
  const probe = spawnSync(python, ['-c', 'import json, torch, transformers, safetensors; print(json.dumps({"torch": torch.__version__, "cuda": torch.cuda.device_count() if torch.cuda.is_available() else 0}))'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || '').trim().split('\n').pop();
    throw new TorchUnavailable(`engine "torch": ${python} cannot import torch/transformers/safetensors (${why}): ${INSTALL_HINT}`);
  }
  const found = JSON.parse(probe.stdout.trim().split('\n').pop()!) as { torch: string; cuda: number };
  if (s.device === 'cuda' && found.cuda < s.nprocPerNode) {
    throw new TorchUnavailable(
      `engine "torch": nprocPerNode ${s.nprocPerNode} with device cuda needs ${s.nprocPerNode} GPUs; torch ${found.torch} at ${python} sees ${found.cuda}` +
        (found.cuda === 0 ? ' (no CUDA device, or a CPU-only torch build)' : ''),
    );
  }
  return { python, torch: found.torch, cudaDevices: found.cuda };
}
