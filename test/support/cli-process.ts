// `cptflow` as a user runs it: the built CLI in a child process from the repository root, and corpus
// slices to feed it. Shared by the CLI tests so each runs the command the same way.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCorpus, type CorpusName } from '@cptflow/data';

/** The repository root (this file runs from dist/test/support). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO_ROOT, 'dist/services/cli/src/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
}

/** Runs `cptflow ...args`; a run past `timeoutMs` is killed (its code is then null). */
export function runCli(args: string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const result: CliResult = { code: null, stdout: '', stderr: '', output: '' };
    child.stdout.on('data', (d: Buffer) => ((result.stdout += d.toString()), (result.output += d.toString())));
    child.stderr.on('data', (d: Buffer) => ((result.stderr += d.toString()), (result.output += d.toString())));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ...result, code });
    });
  });
}

/** The first `documents` documents of a bundled corpus as a JSONL file in `dir`. */
export function corpusSlice(name: CorpusName, documents: number, dir: string): string {
  const file = path.join(dir, `${name}.jsonl`);
  fs.writeFileSync(file, loadCorpus(name).slice(0, documents).map((d) => JSON.stringify(d)).join('\n') + '\n');
  return file;
}
