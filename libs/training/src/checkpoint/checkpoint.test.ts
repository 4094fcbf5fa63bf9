import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsReader } from '@cptflow/model';
import {
  applyRetention,
  CheckpointError,
  checkpointDirName,
  DAMAGE_REASON_FILE,
  findLatestCheckpoint,
  readCompleteCheckpoint,
  listCheckpoints,
  planShards,
  restoreStateStore,
  saveCheckpoint,
  ShardedStateStore,
  TensorSpec,
} from './index';
import { CRASH_BUDGET_BYTES, CRASH_SPECS, initialValue, update } from './testing/save-loop';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'checkpoint-test-'));
}

function specs(n: number, elements: number): TensorSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `w${i}`, shape: [elements] }));
}

const fillIndex = (seed: number) => (t: { name: string }, out: Float32Array) =>
  out.forEach((_, i) => (out[i] = seed * 1000 + Number(t.name.slice(1)) + i / 1024));

test('planShards packs in order, keeps groups together and respects the byte limit', () => {
  const layout = planShards(
    [
      { name: 'a', shape: [10], group: 'L0' },
      { name: 'b', shape: [10] },
      { name: 'a.m', shape: [10], group: 'L0' },
      { name: 'c', shape: [30] },
      { name: 'd', shape: [50] },
    ],
    160,
  );
  assert.deepEqual(layout.map((s) => s.tensors.map((t) => t.name)), [['a', 'a.m', 'b'], ['c'], ['d']]);
  assert.deepEqual(layout[0].tensors.map((t) => t.offset), [0, 10, 20]);
  assert.equal(layout[2].length, 50, 'an oversized tensor gets a shard of its own');
  assert.throws(() => planShards([{ name: 'x', shape: [1] }, { name: 'x', shape: [1] }], 100), /duplicate/);
});

test('the memory budget bounds resident shards; LRU shards are offloaded and come back intact', async () => {
  const dir = tempDir();
  try {
    const shards = planShards(specs(6, 256), 1024); // one 1 KiB tensor per shard
    const store = await ShardedStateStore.create({ shards, offloadDir: join(dir, 'off'), memoryBudgetBytes: 2048, init: fillIndex(1) });
    assert.ok(store.residentBytes <= 2048);
    assert.equal(store.residentShardIds().length, 2);
    for (let i = 0; i < 6; i++) {
      const values = await store.readTensor(`w${i}`);
      assert.equal(values[5], 1000 + i + 5 / 1024, `w${i} survived offloading`);
      assert.ok(store.residentBytes <= 2048);
    }
    // Touch 4 then 5; loading 0 must evict 4 (least recently used), keeping 5.
    await store.readTensor('w4');
    await store.readTensor('w5');
    await store.readTensor('w0');
    assert.deepEqual(store.residentShardIds().sort(), [0, 5]);

    const writeBacksBefore = store.stats.writeBacks;
    for (const name of ['w1', 'w2', 'w3']) await store.readTensor(name); // clean shards: no write-back
    assert.equal(store.stats.writeBacks, writeBacksBefore, 'unchanged shards are dropped, not rewritten');
    await store.writeTensor('w1', new Float32Array(256).fill(7));
    for (const name of ['w2', 'w3', 'w4']) await store.readTensor(name);
    assert.equal(store.stats.writeBacks, writeBacksBefore + 1, 'the changed shard is written back once');
    assert.ok((await store.readTensor('w1')).every((x) => x === 7));

    const a = await store.acquire(0);
    const b = await store.acquire(1);
    await assert.rejects(store.acquire(2), /all pinned/);
    store.release(a.layout.id);
    store.release(b.layout.id);
    await store.close();
    assert.equal(existsSync(join(dir, 'off')), false, 'offload files removed on close');
    await assert.rejects(ShardedStateStore.create({ shards, offloadDir: join(dir, 'off2'), memoryBudgetBytes: 100 }), /below the largest shard/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('save then restore is bit-exact with offloaded shards, and shard files are valid safetensors', async () => {
  const dir = tempDir();
  try {
    const shards = planShards(specs(5, 1000), 4000);
    const store = await ShardedStateStore.create({ shards, offloadDir: join(dir, 'off'), memoryBudgetBytes: 8000, init: fillIndex(3) });
    await store.writeTensor('w2', Float32Array.from({ length: 1000 }, (_, i) => Math.fround(Math.sin(i) * 1e-3)));
    const before = new Map<string, Float32Array>();
    for (const name of store.tensorNames()) before.set(name, await store.readTensor(name));

    const { dir: ckpt, manifest } = await saveCheckpoint(join(dir, 'ckpts'), store, {
      step: 12,
      tokensSeen: 49152,
      schedule: { schedule: { kind: 'constant', peakLr: 1e-3, warmupSteps: 0 }, step: 12, decayStartStep: null },
      rng: { algorithm: 'xoshiro128**', s: [1, 2, 3, 4] },
      kafkaOffsets: [{ topic: 'cpt.seqs.packed', partition: 0, offset: '1234' }],
    });
    assert.equal(ckpt, join(dir, 'ckpts', checkpointDirName(12)));
    assert.equal(manifest.sequence, 1);
    assert.equal(manifest.shards.length, 5);
    const onDisk = JSON.parse(readFileSync(join(ckpt, 'manifest.json'), 'utf8'));
    assert.deepEqual(onDisk.kafkaOffsets, [{ topic: 'cpt.seqs.packed', partition: 0, offset: '1234' }]);
    assert.deepEqual(onDisk.rng, { algorithm: 'xoshiro128**', s: [1, 2, 3, 4] });
    for (const shard of manifest.shards) {
      const bytes = readFileSync(join(ckpt, shard.file));
      assert.equal(bytes.length, shard.bytes);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), shard.sha256);
      const reader = await SafetensorsReader.open(join(ckpt, shard.file));
      for (const t of shard.tensors) assert.deepEqual(await reader.read(t.name), before.get(t.name));
      await reader.close();
    }
    await store.close();

    const latest = await findLatestCheckpoint(join(dir, 'ckpts'));
    assert.ok(latest);
    const restored = await restoreStateStore(latest, { offloadDir: join(dir, 'off-restored'), memoryBudgetBytes: 4000 });
    for (const [name, values] of before) {
      const got = await restored.readTensor(name);
      assert.ok(Buffer.from(got.buffer).equals(Buffer.from(values.buffer)), `${name} bit-exact`);
    }
    await restored.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writes are refused while a checkpoint is being saved', async () => {
  const dir = tempDir();
  try {
    const store = await ShardedStateStore.create({ shards: planShards(specs(2, 16), 64), offloadDir: join(dir, 'off'), memoryBudgetBytes: Infinity });
    await store.withConsistentView(async () => {
      await assert.rejects(store.acquire(0, 'write'), /blocked while a checkpoint is being saved/);
      await store.use(0, 'read', () => undefined);
    });
    await store.use(0, 'write', () => undefined);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the newest complete checkpoint is chosen; unfinished, truncated and corrupted ones are skipped', async () => {
  const dir = tempDir();
  const root = join(dir, 'ckpts');
  try {
    const store = await ShardedStateStore.create({ shards: planShards(specs(3, 100), 400), offloadDir: join(dir, 'off'), memoryBudgetBytes: Infinity, init: fillIndex(1) });
    for (const step of [10, 20, 30, 40]) await saveCheckpoint(root, store, { step, tokensSeen: step });
    await store.close();
    // step 40: one byte flipped (same size) -> only the hash catches it
    const s40 = join(root, checkpointDirName(40), 'shard-00001.safetensors');
    const bytes = readFileSync(s40);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(s40, bytes);
    // step 30: shard truncated
    truncateSync(join(root, checkpointDirName(30), 'shard-00002.safetensors'), 10);
    // step 50: a directory with shards but no manifest; and an unfinished temp save of step 60
    mkdirSync(join(root, checkpointDirName(50)));
    writeFileSync(join(root, checkpointDirName(50), 'shard-00000.safetensors'), 'x');
    mkdirSync(join(root, '.tmp-step-0000000060-1-1'));
    writeFileSync(join(root, '.tmp-step-0000000060-1-1', 'manifest.json'), '{}');

    const skipped: Array<{ dir: string; reason: string }> = [];
    const latest = await findLatestCheckpoint(root, { skipped });
    assert.equal(latest?.manifest.step, 20);
    const reasons = skipped.map((s) => `${s.dir.split('/').pop()}: ${s.reason}`).join('\n');
    assert.match(reasons, /step-0000000040: .*sha256 mismatch/);
    assert.match(reasons, /step-0000000030: .*10 bytes, manifest says/);
    assert.match(reasons, /step-0000000050: .*no manifest\.json/);
    assert.match(reasons, /\.tmp-step-0000000060-1-1: unfinished save/);
    assert.equal((await findLatestCheckpoint(root, { verifyHashes: false }))?.manifest.step, 40, 'size-only checks miss the flipped byte');
    assert.equal(await findLatestCheckpoint(join(dir, 'nothing-here')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged checkpoint in the way of a save is moved aside with its reason, never trusted or renamed onto', async () => {
  const dir = tempDir();
  const root = join(dir, 'ckpts');
  try {
    const store = await ShardedStateStore.create({ shards: planShards(specs(3, 100), 400), offloadDir: join(dir, 'off'), memoryBudgetBytes: Infinity, init: fillIndex(1) });
    for (const step of [10, 20]) await saveCheckpoint(root, store, { step, tokensSeen: step });
    // step 20: same-size damage (a flipped byte); step 10: a truncated shard
    const s20 = join(root, checkpointDirName(20), 'shard-00001.safetensors');
    const bytes = readFileSync(s20);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(s20, bytes);
    truncateSync(join(root, checkpointDirName(10), 'shard-00002.safetensors'), 10);

    for (const step of [20, 10]) {
      const saved = await saveCheckpoint(root, store, { step, tokensSeen: step });
      await readCompleteCheckpoint(saved.dir, true); // a fresh, verified checkpoint, not the damaged one
    }
    const asideNames = readdirSync(root).filter((n) => n.startsWith('.damaged-'));
    assert.equal(asideNames.length, 2, readdirSync(root).join(', '));
    const reasons = asideNames.map((n) => `${n}: ${readFileSync(join(root, n, DAMAGE_REASON_FILE), 'utf8')}`).join('');
    assert.match(reasons, /\.damaged-step-0000000020-\d+: .*sha256 mismatch/);
    assert.match(reasons, /\.damaged-step-0000000010-\d+: .*10 bytes, manifest says/);
    await applyRetention(root, { keepLast: 1 });
    assert.equal(readdirSync(root).filter((n) => n.startsWith('.damaged-')).length, 2, 'retention keeps damaged checkpoints for inspection');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findLatestCheckpoint with setAsideDamaged moves damaged checkpoints out of the way and reports where', async () => {
  const dir = tempDir();
  const root = join(dir, 'ckpts');
  try {
    const store = await ShardedStateStore.create({ shards: planShards(specs(2, 100), 400), offloadDir: join(dir, 'off'), memoryBudgetBytes: Infinity, init: fillIndex(1) });
    for (const step of [10, 20, 30]) await saveCheckpoint(root, store, { step, tokensSeen: step });
    writeFileSync(join(root, checkpointDirName(30), 'manifest.json'), '{"format":');
    const s20 = join(root, checkpointDirName(20), 'shard-00000.safetensors');
    const bytes = readFileSync(s20);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(s20, bytes);
    const skipped: Array<{ dir: string; reason: string; movedTo?: string }> = [];
    const latest = await findLatestCheckpoint(root, { skipped, setAsideDamaged: true });
    assert.equal(latest?.manifest.step, 10);
    assert.deepEqual(skipped.map((s) => s.dir.split('/').pop()).sort(), [checkpointDirName(20), checkpointDirName(30)]);
    for (const s of skipped) {
      assert.ok(s.movedTo && existsSync(s.movedTo) && !existsSync(s.dir), `${s.dir} moved aside`);
      assert.equal(readFileSync(join(s.movedTo, DAMAGE_REASON_FILE), 'utf8').trim(), s.reason);
    }
    assert.deepEqual((await listCheckpoints(root)).map((c) => c.manifest.step), [10]);
    // training reaches step 20 again: the save lands in a clean place
    await readCompleteCheckpoint((await saveCheckpoint(root, store, { step: 20, tokensSeen: 20 })).dir, true);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a manifest with fields of the wrong type is damaged: the checkpoint before it is chosen, the field named', async () => {
  const dir = tempDir();
  const root = join(dir, 'ckpts');
  try {
    const store = await ShardedStateStore.create({ shards: planShards(specs(2, 100), 400), offloadDir: join(dir, 'off'), memoryBudgetBytes: Infinity, init: fillIndex(1) });
    const kafkaOffsets = [{ topic: 'cpt.seqs.packed', partition: 0, offset: '12' }];
    for (const step of [10, 20, 30, 40]) await saveCheckpoint(root, store, { step, tokensSeen: step, kafkaOffsets });
    await store.close();
    // The manifest is not covered by the shards' sha256: a hand edit or bit rot shows only in its types.
    const edit = (step: number, change: (m: { shards: Array<{ tensors: Array<Record<string, unknown>> }>; kafkaOffsets: Array<Record<string, unknown>> }) => void) => {
      const file = join(root, checkpointDirName(step), 'manifest.json');
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      change(manifest);
      writeFileSync(file, JSON.stringify(manifest));
    };
    edit(40, (m) => (m.shards[1].tensors[0].shape = '100' as unknown as never));
    edit(30, (m) => (m.shards[0].tensors[0].name = 7 as unknown as never));
    edit(20, (m) => (m.kafkaOffsets[0].offset = 'soon'));
    const skipped: Array<{ dir: string; reason: string }> = [];
    const latest = await findLatestCheckpoint(root, { skipped });
    assert.equal(latest?.manifest.step, 10);
    const reasons = skipped.map((s) => `${s.dir.split('/').pop()}: ${s.reason}`).join('\n');
    assert.match(reasons, /step-0000000040: .*shard shard-00001\.safetensors tensor 0: shape must be a list of non-negative integers/);
    assert.match(reasons, /step-0000000030: .*shard shard-00000\.safetensors tensor 0: name must be a string/);
    assert.match(reasons, /step-0000000020: .*kafkaOffsets\[0\]: offset must be a decimal string/);
    await restoreStateStore(latest!, { offloadDir: join(dir, 'off2'), memoryBudgetBytes: Infinity }).then((s) => s.close());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention keeps the last K and every M-th checkpoint and clears unfinished saves', async () => {
  const dir = tempDir();
  const root = join(dir, 'ckpts');
  try {
    const store = await ShardedStateStore.create({ shards: planShards(specs(1, 8), 32), offloadDir: join(dir, 'off'), memoryBudgetBytes: Infinity });
    for (let seq = 1; seq <= 8; seq++) await saveCheckpoint(root, store, { step: seq * 5, tokensSeen: 0 });
    const again = await saveCheckpoint(root, store, { step: 40, tokensSeen: 999 });
    assert.equal(again.manifest.tokensSeen, 0, 'an existing step is never rewritten');
    mkdirSync(join(root, '.tmp-step-0000000045-9-9'));
    await store.close();
    const deleted = await applyRetention(root, { keepLast: 2, keepEvery: 3 });
    assert.equal(deleted.length, 4);
    const kept = (await listCheckpoints(root)).map((c) => c.manifest.sequence);
    assert.deepEqual(kept, [3, 6, 7, 8]);
    assert.deepEqual(readdirSync(root).filter((n) => n.startsWith('.')), []);
    await assert.rejects(applyRetention(root, { keepLast: 0 }), CheckpointError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- crash test ------------------------------------------------------------------------------

function expectedAfter(step: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  CRASH_SPECS.forEach((spec, k) => {
    const data = new Float32Array(spec.shape[0] * spec.shape[1]);
    data.forEach((_, i) => (data[i] = initialValue(k, i)));
    // The child updates whole shards; each crash-test shard holds exactly one tensor.
    for (let s = 1; s <= step; s++) update(data, s);
    out.set(spec.name, data);
  });
  return out;
}

function runUntilKilled(root: string, offloadDir: string, killAtSaveOf: number, delayMs: number): Promise<{ resumedFrom: number; lastSaved: number }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'testing/save-loop.js'), root, offloadDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let resumedFrom = -1;
    let lastSaved = -1;
    let buffered = '';
    let savesStarted = 0;
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const [word, n] = buffered.slice(0, nl).split(' ');
        buffered = buffered.slice(nl + 1);
        if (word === 'resumed') resumedFrom = Number(n);
        if (word === 'saved') lastSaved = Number(n);
        if (word === 'saving' && ++savesStarted === killAtSaveOf) setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code ?? signal} before being killed`));
      else resolve({ resumedFrom, lastSaved });
    });
  });
}

test('SIGKILL during saves never yields a damaged checkpoint; each restart resumes bit-exactly', async (t) => {
  const dir = tempDir();
  const root = join(dir, 'ckpts');
  try {
    let previousSaved = 0;
    let killedMidSave = 0;
    let tempsSeen = 0;
    // Kill during the 2nd save after each (re)start, at increasing delays into the save.
    for (const delayMs of [0, 1, 3, 6, 12]) {
      const { resumedFrom, lastSaved } = await runUntilKilled(root, join(dir, `off-${delayMs}`), 2, delayMs);
      assert.equal(resumedFrom, previousSaved, 'the child resumed from the newest complete checkpoint');
      const latest = await findLatestCheckpoint(root);
      assert.ok(latest, 'a complete checkpoint exists');
      const step = latest.manifest.step;
      // Complete checkpoints: everything the child announced as saved, plus possibly the one being
      // saved when it died (if the rename landed before the kill).
      assert.ok(step === lastSaved || step === lastSaved + 1, `latest ${step} vs last announced ${lastSaved}`);
      const temps = readdirSync(root).filter((n) => n.startsWith('.tmp-')).length;
      if (temps > tempsSeen) killedMidSave++;
      tempsSeen = temps;
      assert.deepEqual(latest.manifest.kafkaOffsets, [{ topic: 'cpt.seqs.packed', partition: 0, offset: String(step) }]);
      const store = await restoreStateStore(latest, { offloadDir: join(dir, 'verify'), memoryBudgetBytes: CRASH_BUDGET_BYTES });
      for (const [name, values] of expectedAfter(step)) {
        const got = await store.readTensor(name);
        assert.ok(Buffer.from(got.buffer).equals(Buffer.from(values.buffer)), `step ${step}: ${name} bit-exact`);
      }
      await store.close();
      previousSaved = step;
    }
    t.diagnostic(`kills that landed mid-save (left a .tmp directory): ${killedMidSave} of 5`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
