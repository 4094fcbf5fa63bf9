// Runs a cptflow service as its own process (`node dist/services/<name>/src/main.js`), the way a
// deployment does, and waits until its /ready endpoint says it is consuming.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const DIST = path.resolve(__dirname, '../..');

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  url: string;
  output(): string;
  /** Graceful: SIGTERM, then wait for exit. */
  stop(): Promise<void>;
  /** kill -9: no chance to finish the batch or commit. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Working directory of the process (default: this one's). */
  cwd?: string;
  /** Give the process exactly `env`, nothing inherited from the test process (a container's view). */
  exactEnv?: boolean;
}

export async function startService(name: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000, options: StartOptions = {}): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [path.join(DIST, 'services', name, 'src', 'main.js')], {
    env: options.exactEnv ? env : { ...process.env, CPTFLOW__HTTP__PORT: '0', ...env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${log}`);
    url ??= /listening on (http:\/\/[^\s;,]+)/.exec(log)?.[1];
    if (url) {
      const ready = await fetch(`${url}/ready`).then((r) => r.ok, () => false);
      if (ready) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!url || Date.now() >= deadline) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not become ready within ${timeoutMs} ms:\n${log}`);
  }
  return {
    name,
    child,
    url,
    output: () => log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
