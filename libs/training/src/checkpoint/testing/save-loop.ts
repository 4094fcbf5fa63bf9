// A stand-in trainer for the crash test: it resumes from the newest checkpoint under ROOT (or starts
// fresh), then forever updates its state with a fixed recurrence and checkpoints every step,
// printing "saving <step>" / "saved <step>" so the test can kill it at chosen moments.
// Usage: node save-loop.js ROOT OFFLOAD_DIR
import { findLatestCheckpoint, planShards, restoreStateStore, saveCheckpoint, ShardedStateStore, TensorSpec } from '../index';

export const CRASH_SPECS: TensorSpec[] = Array.from({ length: 6 }, (_, i) => ({ name: `t${i}`, shape: [64, 1024] }));
export const CRASH_SHARD_BYTES = 64 * 1024 * 4;
export const CRASH_BUDGET_BYTES = 2 * CRASH_SHARD_BYTES;

export function initialValue(tensorIndex: number, i: number): number {
  return Math.fround(tensorIndex + i * 1e-4);
}

/** One training "step": the values after depend on the values before, so a bad restore shows. */
export function update(data: Float32Array, step: number): void {
  for (let i = 0; i < data.length; i++) data[i] = data[i] * 0.75 + step * 0.001 + (i % 7) * 0.01;
}

async function main(): Promise<void> {
  const [root, offloadDir] = process.argv.slice(2);
  const latest = await findLatestCheckpoint(root);
  const options = { offloadDir, memoryBudgetBytes: CRASH_BUDGET_BYTES };
  const store = latest
    ? await restoreStateStore(latest, options)
    : await ShardedStateStore.create({
        ...options,
        shards: planShards(CRASH_SPECS, CRASH_SHARD_BYTES),
        init: (t, out) => out.forEach((_, i) => (out[i] = initialValue(Number(t.name.slice(1)), i))),
      });
  let step = latest ? latest.manifest.step : 0;
  process.stdout.write(`resumed ${step}\n`);
  for (;;) {
    step++;
    for (const layout of store.shards) await store.use(layout.id, 'write', (s) => update(s.data, step));
    process.stdout.write(`saving ${step}\n`);
    await saveCheckpoint(root, store, { step, tokensSeen: step * 100, kafkaOffsets: [{ topic: 'cpt.seqs.packed', partition: 0, offset: String(step) }] });
    process.stdout.write(`saved ${step}\n`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
