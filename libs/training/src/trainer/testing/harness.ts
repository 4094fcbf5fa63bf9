// Builds ContinuousTrainer options for tests around TINY_LLAMA2, and waits for training progress.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus, MemoryBus } from '@cptflow/platform';
import type { ContinuousTrainer, ContinuousTrainerOptions } from '../continuous-trainer';
import { llama2Tokenizer, TINY_LLAMA2 } from './fixtures';

export const TEST_SEQ_LEN = 64;
export const TEST_ROWS = 4;

/** A one-partition in-process bus (one partition: a deterministic record order for bit-identical replays). */
export function testBus(): MemoryBus {
  return new MemoryBus({ defaultPartitions: 1 });
}

const created: string[] = [];
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory removed when the process exits. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cpt-trainer-${label}-`));
  created.push(dir);
  return dir;
}

export function testTrainerOptions(bus: Bus, overrides: Partial<ContinuousTrainerOptions> = {}): ContinuousTrainerOptions {
  const tok = llama2Tokenizer();
  return {
    run: 'test',
    bus,
    topics: { sequences: 'cpt.seqs.packed', checkpoints: 'cpt.checkpoints' },
    model: { kind: 'random', config: TINY_LLAMA2, seed: 7 },
    tokenizer: { path: tok.tokenizerPath, id: tok.tokenizerId },
    batchRows: TEST_ROWS,
    seqLen: TEST_SEQ_LEN,
    tokensPerStep: 2 * TEST_ROWS * TEST_SEQ_LEN,
    adamw: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    maxGradNorm: 1,
    schedule: { kind: 'constant', peakLr: 3e-3, warmupSteps: 3 },
    checkpoint: { dir: overrides.checkpoint ? overrides.checkpoint.dir : tempDir('ckpt'), everyTokens: 10 * 2 * TEST_ROWS * TEST_SEQ_LEN, keepLast: 2, keepEvery: 0, maxShardBytes: 1 << 20, memoryBudgetBytes: 8 << 20 },
    session: { intraOpThreads: 1 },
    ...overrides,
  };
}

/** Resolves once `predicate(status)` holds (polling), or rejects after `timeoutMs`. */
export async function waitFor(trainer: ContinuousTrainer, predicate: (t: ContinuousTrainer) => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(trainer)) {
    if (trainer.status.phase === 'failed') throw new Error(`trainer failed: ${trainer.status.error}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting; status ${JSON.stringify(trainer.status)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
