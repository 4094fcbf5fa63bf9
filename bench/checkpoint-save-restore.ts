// Measures libs/training/src/checkpoint on a MobileLLM-125M-shaped trainer state (parameters + AdamW m and v,
// float32, one shard group per layer): store creation, checkpoint save, size on disk, newest-
// checkpoint lookup with sha256 verification, and restore. Prints one JSON object.
//   node dist/bench/checkpoint-save-restore.js [--budget-mb 768] [--shard-mb 64] [--dir DIR]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLatestCheckpoint, planShards, restoreStateStore, saveCheckpoint, ShardedStateStore, TensorSpec } from '@cptflow/training';
import { MOBILELLM_125M, parameterSpecs } from '@cptflow/model';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const budget = arg('budget-mb', 768) * 2 ** 20;
  const shardBytes = arg('shard-mb', 64) * 2 ** 20;
  const dirArg = process.argv.indexOf('--dir');
  const dir = dirArg >= 0 ? process.argv[dirArg + 1] : mkdtempSync(join(tmpdir(), 'ckpt-bench-'));
  const specs: TensorSpec[] = [];
  for (const p of parameterSpecs(MOBILELLM_125M)) {
    const group = p.layer === null ? p.name : `layer${p.layer}`;
    for (const suffix of ['', '.exp_avg', '.exp_avg_sq']) specs.push({ name: p.name + suffix, shape: p.shape, group });
  }
  const shards = planShards(specs, shardBytes);
  const totalBytes = shards.reduce((s, l) => s + l.length * 4, 0);
  const t0 = performance.now();
  const store = await ShardedStateStore.create({ shards, offloadDir: join(dir, 'offload'), memoryBudgetBytes: budget, init: (t, out) => out.fill(t.length % 97) });
  const t1 = performance.now();
  const saved = await saveCheckpoint(join(dir, 'ckpts'), store, { step: 1, tokensSeen: 2048 });
  const t2 = performance.now();
  await store.close();
  const latest = await findLatestCheckpoint(join(dir, 'ckpts'));
  const t3 = performance.now();
  const restored = await restoreStateStore(latest!, { offloadDir: join(dir, 'offload2'), memoryBudgetBytes: budget });
  const t4 = performance.now();
  await restored.close();
  console.log(JSON.stringify({
    model: 'MobileLLM-125M shapes, params + AdamW m + v (float32)',
    stateBytes: totalBytes,
    shards: shards.length,
    memoryBudgetBytes: budget,
    createStoreS: (t1 - t0) / 1000,
    saveS: (t2 - t1) / 1000,
    saveMBps: totalBytes / 2 ** 20 / ((t2 - t1) / 1000),
    checkpointBytes: saved.manifest.shards.reduce((s, x) => s + x.bytes, 0),
    findLatestWithSha256S: (t3 - t2) / 1000,
    restoreS: (t4 - t3) / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }));
  if (dirArg < 0) rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
