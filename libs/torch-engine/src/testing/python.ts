// Tests that need torch: the interpreter from CPTFLOW_PYTHON or the repo's .cache/python (made by
// scripts/python-env.sh). Missing torch fails the test under CI=true (the CI command makes the
// venv, so its absence is a broken setup) and skips it with the reason elsewhere.
import type { TestContext } from 'node:test';
import { checkTorchEnvironment, TorchUnavailable } from '../python-env';

let probed: { python: string } | { missing: string } | undefined;

/** The interpreter, or null after marking the test skipped (never under CI, where it throws). */
export function torchPythonOrSkip(t: TestContext): string | null {
  if (!probed) {
    try {
      probed = { python: checkTorchEnvironment({ device: 'cpu', nprocPerNode: 1 }).python };
    } catch (error) {
      if (!(error instanceof TorchUnavailable)) throw error;
      probed = { missing: error.message };
    }
  }
  if ('python' in probed) return probed.python;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${probed.missing}`);
  t.skip(probed.missing);
  return null;
}
