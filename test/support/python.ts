// The project's Python environment for tests and benchmarks that cross-check against Python
// libraries (torch, transformers, safetensors, datatrove, lm_eval): CPTFLOW_PYTHON when set, else the
// venv that scripts/python-env.sh makes under .cache/python. Nothing here installs anything.
//
// Outside CI a test without that environment is skipped with a message saying how to get one. In CI
// (CI=true) it is not skipped: it fails, so a CI machine that lost its Python environment shows up
// as a failure instead of as tests that quietly stopped running.
import { existsSync } from 'node:fs';
import { PROJECT_VENV_PYTHON } from '@cptflow/torch-engine';

const HOW = 'set CPTFLOW_PYTHON to an interpreter with torch, transformers, safetensors and numpy, or run `bash scripts/python-env.sh`';

/** The Python interpreter to use, or undefined when there is none. */
export function findPython(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CPTFLOW_PYTHON) return env.CPTFLOW_PYTHON;
  return existsSync(PROJECT_VENV_PYTHON) ? PROJECT_VENV_PYTHON : undefined;
}

/**
 * node:test's `skip` option for a test that needs Python: false when there is an interpreter, and
 * false in CI (the test then fails in requirePython); otherwise the reason it is skipped.
 */
export function skipWithoutPython(env: NodeJS.ProcessEnv = process.env): string | false {
  if (findPython(env) !== undefined || env.CI === 'true') return false;
  return `no Python environment: ${HOW}`;
}

/** The interpreter, or an error that says how to provide one. */
export function requirePython(env: NodeJS.ProcessEnv = process.env): string {
  const python = findPython(env);
  if (python === undefined) throw new Error(`this test needs Python and CI=true: ${HOW}`);
  return python;
}

/** For benchmarks and tools: the interpreter, or an error naming what it is for and how to provide one. */
export function pythonFor(purpose: string, env: NodeJS.ProcessEnv = process.env): string {
  const python = findPython(env);
  if (python === undefined) throw new Error(`${purpose} needs Python: set CPTFLOW_PYTHON, or run \`bash scripts/python-env.sh references\``);
  return python;
}
