// Checkpoints on disk. One checkpoint = one directory `step-<step>` holding a safetensors file per
// shard (written in parallel) and manifest.json. Commit protocol: everything is written into a
// hidden temporary directory, each file fsynced, the manifest written last, the directory
// fsynced, then renamed to its final name (atomic on POSIX) and the parent fsynced. A process
// killed at any instant leaves either a complete checkpoint or a `.tmp-*` directory that readers
// ignore and retention deletes.
import { createHash } from 'node:crypto';
import { open, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { encodeHeader, SafetensorsReader } from '@cptflow/model';
import { copyRange, fsyncDir, mapLimit, readFully, sha256OfFile, writeFully } from './file-io';
import { CheckpointError, elements, FLOAT32_BYTES } from './layout';
import { layoutsOf, Manifest, MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, ManifestShard, parseManifest, TrainingProgress } from './manifest';
import { ShardedStateStore } from './state-store';

const DIR_PATTERN = /^step-(\d+)$/;
const TEMP_PREFIX = '.tmp-';
const TRASH_PREFIX = '.trash-';
/** Where a damaged checkpoint is moved: out of the `step-*` namespace, kept for inspection. */
const DAMAGED_PREFIX = '.damaged-';
/** Written into a damaged checkpoint's new directory: why it was moved aside. */
export const DAMAGE_REASON_FILE = 'DAMAGED.txt';

export function checkpointDirName(step: number): string {
  return `step-${String(step).padStart(10, '0')}`;
}

export interface SaveOptions {
  /** Shard files written at once (Node's file I/O runs on libuv's thread pool, 4 threads by default). */
  readonly concurrency?: number;
}

export interface SavedCheckpoint {
  readonly dir: string;
  readonly manifest: Manifest;
}

/**
 * Save the store and the progress as checkpoint `step-<progress.step>` under `root`. Writes to the
 * store are refused until it returns. A step that already has a complete checkpoint (every shard's
 * sha256 verified) is not rewritten (checkpoints are immutable); the existing one is returned. A
 * damaged directory in the way is moved aside first (`setAsideDamaged`), never trusted and never
 * renamed onto.
 */
export async function saveCheckpoint(
  root: string,
  store: ShardedStateStore,
  progress: TrainingProgress,
  options: SaveOptions = {},
): Promise<SavedCheckpoint> {
  await mkdir(root, { recursive: true });
  const finalDir = join(root, checkpointDirName(progress.step));
  if (await exists(finalDir)) {
    try {
      return { dir: finalDir, manifest: await readCompleteCheckpoint(finalDir, true) };
    } catch (err) {
      await setAsideDamaged(finalDir, (err as Error).message);
    }
  }

  const previous = await listCheckpoints(root);
  const sequence = previous.reduce((max, c) => Math.max(max, c.manifest.sequence), 0) + 1;
  const tempDir = join(root, `${TEMP_PREFIX}${checkpointDirName(progress.step)}-${process.pid}-${Date.now()}`);
  await mkdir(tempDir);
  try {
    const shards = await store.withConsistentView((source) =>
      mapLimit(store.shards, options.concurrency ?? 4, async (layout): Promise<ManifestShard> => {
        const file = `shard-${String(layout.id).padStart(5, '0')}.safetensors`;
        const header = encodeHeader(layout.tensors.map((t) => ({ name: t.name, dtype: 'F32', shape: t.shape, byteLength: t.length * FLOAT32_BYTES })));
        const hash = createHash('sha256').update(header);
        const handle = await open(join(tempDir, file), 'w');
        try {
          await writeFully(handle, header, 0);
          const from = await source(layout.id);
          if (from.kind === 'memory') {
            hash.update(from.bytes);
            await writeFully(handle, from.bytes, header.byteLength);
          } else {
            await copyRange(from.handle, 0, handle, header.byteLength, from.length, hash);
          }
          await handle.sync();
        } finally {
          await handle.close();
        }
        return {
          file,
          bytes: header.byteLength + layout.length * FLOAT32_BYTES,
          sha256: hash.digest('hex'),
          tensors: layout.tensors.map((t) => ({ name: t.name, shape: [...t.shape], dtype: 'F32' as const })),
        };
      }),
    );
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      sequence,
      createdAt: new Date().toISOString(),
      step: progress.step,
      tokensSeen: progress.tokensSeen,
      schedule: progress.schedule ?? null,
      rng: progress.rng ?? null,
      kafkaOffsets: progress.kafkaOffsets ?? [],
      extra: progress.extra ?? {},
      shards,
    };
    const handle = await open(join(tempDir, MANIFEST_FILE), 'w');
    try {
      await writeFully(handle, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsyncDir(tempDir);
    await rename(tempDir, finalDir);
    await fsyncDir(root);
    return { dir: finalDir, manifest };
  } catch (err) {
    await rm(tempDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Read and check one checkpoint directory: the manifest parses and every shard file has the
 * recorded size (and, with verifyHashes, the recorded sha256). Throws CheckpointError otherwise.
 */
export async function readCompleteCheckpoint(dir: string, verifyHashes = false): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new CheckpointError(`${dir}: no ${MANIFEST_FILE} (incomplete checkpoint)`);
  }
  const manifest = parseManifest(text, join(dir, MANIFEST_FILE));
  for (const shard of manifest.shards) {
    const path = join(dir, shard.file);
    const size = await stat(path).then((s) => s.size, () => -1);
    if (size !== shard.bytes) throw new CheckpointError(`${path}: ${size < 0 ? 'missing' : `${size} bytes, manifest says ${shard.bytes}`}`);
    if (verifyHashes && (await sha256OfFile(path)) !== shard.sha256) throw new CheckpointError(`${path}: sha256 mismatch`);
  }
  return manifest;
}

export interface CheckpointEntry {
  readonly dir: string;
  readonly manifest: Manifest;
}

/** Complete checkpoints under root, oldest first. Incomplete or damaged ones are reported in `skipped`. */
export async function listCheckpoints(
  root: string,
  options: { verifyHashes?: boolean; skipped?: Array<{ dir: string; reason: string }> } = {},
): Promise<CheckpointEntry[]> {
  const names = await readdir(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const found: CheckpointEntry[] = [];
  for (const name of names) {
    if (!DIR_PATTERN.test(name)) {
      if (name.startsWith(TEMP_PREFIX)) options.skipped?.push({ dir: join(root, name), reason: 'unfinished save' });
      continue;
    }
    const dir = join(root, name);
    try {
      found.push({ dir, manifest: await readCompleteCheckpoint(dir, options.verifyHashes) });
    } catch (err) {
      options.skipped?.push({ dir, reason: (err as Error).message });
    }
  }
  return found.sort((a, b) => a.manifest.step - b.manifest.step);
}

export interface FindLatestOptions {
  /** Verify every shard's sha256 (from the newest down until one passes); default true. */
  verifyHashes?: boolean;
  /** Receives what was passed over and why (`movedTo` when it was set aside). */
  skipped?: Array<{ dir: string; reason: string; movedTo?: string }>;
  /**
   * Move damaged `step-*` directories aside (`setAsideDamaged`), so that reaching their step again
   * saves a fresh checkpoint there. Only for the one process that owns `root` (the trainer at start).
   */
  setAsideDamaged?: boolean;
}

/** The newest complete checkpoint, or null when there is none. Hashes are verified by default. */
export async function findLatestCheckpoint(root: string, options: FindLatestOptions = {}): Promise<CheckpointEntry | null> {
  const verifyHashes = options.verifyHashes ?? true;
  const passedOver = async (dir: string, reason: string) => {
    const damaged = DIR_PATTERN.test(basename(dir)) && options.setAsideDamaged;
    const movedTo = damaged ? await setAsideDamaged(dir, reason) : undefined;
    options.skipped?.push(movedTo ? { dir, reason, movedTo } : { dir, reason });
  };
  // Cheap size checks for all, then hashes from the newest down until one passes.
  const cheapSkips: Array<{ dir: string; reason: string }> = [];
  const candidates = await listCheckpoints(root, { skipped: cheapSkips });
  for (const s of cheapSkips) await passedOver(s.dir, s.reason);
  for (let i = candidates.length - 1; i >= 0; i--) {
    try {
      if (verifyHashes) await readCompleteCheckpoint(candidates[i].dir, true);
      return candidates[i];
    } catch (err) {
      await passedOver(candidates[i].dir, (err as Error).message);
    }
  }
  return null;
}

/**
 * Moves a damaged checkpoint directory out of the `step-*` namespace, to `.damaged-<name>-<time>`
 * next to it, with the reason in DAMAGED.txt; retention leaves these for a human to inspect.
 * Returns the new path.
 */
export async function setAsideDamaged(dir: string, reason: string): Promise<string> {
  const root = dirname(dir);
  const target = join(root, `${DAMAGED_PREFIX}${basename(dir)}-${Date.now()}`);
  await rename(dir, target);
  await writeFile(join(target, DAMAGE_REASON_FILE), `${reason}\n`);
  await fsyncDir(root);
  return target;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}

export interface RestoreOptions {
  readonly offloadDir: string;
  readonly memoryBudgetBytes: number;
}

/**
 * A new state store holding a checkpoint's tensors, with the same shard layout. Each shard file's
 * header is checked against the manifest, then its data section (laid out exactly as the shard in
 * memory) is read with one positioned read.
 */
export async function restoreStateStore(checkpoint: CheckpointEntry, options: RestoreOptions): Promise<ShardedStateStore> {
  const layouts = layoutsOf(checkpoint.manifest);
  return ShardedStateStore.create({
    shards: layouts,
    ...options,
    load: async (layout, out) => {
      const path = join(checkpoint.dir, checkpoint.manifest.shards[layout.id].file);
      const reader = await SafetensorsReader.open(path);
      try {
        const dataStart = layout.tensors.length > 0 ? reader.info(layout.tensors[0].name).fileOffset : 0;
        for (const t of layout.tensors) {
          const info = reader.info(t.name);
          if (info.dtype !== 'F32' || elements(info.shape) !== t.length || info.fileOffset !== dataStart + t.offset * FLOAT32_BYTES) {
            throw new CheckpointError(`${path}: tensor "${t.name}" does not match the manifest's layout`);
          }
        }
        const handle = await open(path, 'r');
        try {
          await readFully(handle, new Uint8Array(out.buffer, out.byteOffset, out.byteLength), dataStart);
        } finally {
          await handle.close();
        }
      } finally {
        await reader.close();
      }
    },
  });
}

export interface RetentionPolicy {
  /** Always keep the newest K complete checkpoints. */
  readonly keepLast: number;
  /** Also keep every checkpoint whose sequence number is a multiple of M (0 or absent: none). */
  readonly keepEvery?: number;
}

/**
 * Delete complete checkpoints the policy does not keep, and leftovers of unfinished saves. A
 * checkpoint is first renamed to a hidden `.trash-*` name so a crash mid-delete never leaves a
 * partial directory that looks like a checkpoint. Returns the deleted directories.
 */
export async function applyRetention(root: string, policy: RetentionPolicy): Promise<string[]> {
  if (!Number.isInteger(policy.keepLast) || policy.keepLast < 1) {
    throw new CheckpointError(`keepLast must be a positive integer, got ${policy.keepLast}`);
  }
  const checkpoints = await listCheckpoints(root);
  const keepEvery = policy.keepEvery ?? 0;
  const newest = new Set(checkpoints.slice(-policy.keepLast).map((c) => c.dir));
  const doomed = checkpoints
    .filter((c) => !newest.has(c.dir) && !(keepEvery > 0 && c.manifest.sequence % keepEvery === 0))
    .map((c) => c.dir);
  const leftovers = (await readdir(root)).filter((n) => n.startsWith(TEMP_PREFIX) || n.startsWith(TRASH_PREFIX)).map((n) => join(root, n));
  for (const dir of doomed) {
    const trash = join(root, `${TRASH_PREFIX}${dir.split('/').pop()}-${Date.now()}`);
    await rename(dir, trash);
    await rm(trash, { recursive: true, force: true });
  }
  for (const dir of leftovers) await rm(dir, { recursive: true, force: true });
  if (doomed.length > 0) await fsyncDir(root);
  return doomed;
}
