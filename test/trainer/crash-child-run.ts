// Runs test/trainer/crash-child.js (a trainer on a Kafka topic) for the crash tests: its exit, a
// kill -9, and waiting for a line of its output.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CHILD = join(__dirname, 'crash-child.js');

export interface ChildRun {
  pid: number;
  exit: Promise<number | null>;
  kill(): void;
  /** Resolves when a stdout line matches. */
  line(pattern: RegExp): Promise<string>;
}

export function startChild(env: Record<string, string>): ChildRun {
  const child = spawn(process.execPath, [CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const waiters: Array<{ pattern: RegExp; resolve: (l: string) => void }> = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) {
      for (const w of waiters.splice(0)) (w.pattern.test(l) ? w.resolve(l) : waiters.push(w));
    }
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return {
    pid: child.pid!,
    exit,
    kill: () => child.kill('SIGKILL'),
    line: (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve })),
  };
}
