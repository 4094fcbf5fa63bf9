// manifest.json: the last file written into a checkpoint, describing everything needed to resume
// training exactly where it stopped.
import { CheckpointError, layoutOf, ShardLayout } from './layout';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'cptflow-checkpoint';
export const MANIFEST_VERSION = 1;

/** The next offset to consume on a partition (Kafka's committed-offset convention), as a string. */
export interface KafkaOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** What the trainer records besides the tensors. */
export interface TrainingProgress {
  readonly step: number;
  readonly tokensSeen: number;
  /** libs/training/src/schedules ScheduleState (stored as given). */
  readonly schedule?: unknown;
  /** libs/pycompat/src/random RngState or any JSON (stored as given). */
  readonly rng?: unknown;
  readonly kafkaOffsets?: readonly KafkaOffset[];
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface ManifestShard {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly tensors: ReadonlyArray<{ readonly name: string; readonly shape: readonly number[]; readonly dtype: 'F32' }>;
}

export interface Manifest extends TrainingProgress {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: number;
  /** 1 for the first checkpoint of a run, +1 for each after; retention's "every M-th" counts this. */
  readonly sequence: number;
  readonly createdAt: string;
  readonly shards: readonly ManifestShard[];
  readonly kafkaOffsets: readonly KafkaOffset[];
}

export function parseManifest(text: string, source: string): Manifest {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`${source}: manifest is not valid JSON (${(err as Error).message})`);
  }
  const fail = (why: string): never => {
    throw new CheckpointError(`${source}: ${why}`);
  };
  if (!raw || typeof raw !== 'object') fail('manifest must be an object');
  if (raw.format !== MANIFEST_FORMAT) fail(`format is ${JSON.stringify(raw.format)}, expected "${MANIFEST_FORMAT}"`);
  if (raw.version !== MANIFEST_VERSION) fail(`unsupported manifest version ${JSON.stringify(raw.version)}`);
  for (const field of ['step', 'tokensSeen', 'sequence'] as const) {
    if (!Number.isSafeInteger(raw[field]) || (raw[field] as number) < 0) fail(`${field} must be a non-negative integer`);
  }
  if (!Array.isArray(raw.shards)) fail('shards must be an array');
  for (const shard of raw.shards as ManifestShard[]) {
    if (typeof shard?.file !== 'string' || shard.file.includes('/') || shard.file.startsWith('.')) fail(`bad shard file ${JSON.stringify(shard?.file)}`);
    if (!Number.isSafeInteger(shard.bytes) || !/^[0-9a-f]{64}$/.test(String(shard.sha256)) || !Array.isArray(shard.tensors)) {
      fail(`shard ${shard.file} lacks bytes, sha256 or tensors`);
    }
    // The shards' sha256 does not cover the manifest itself: what the restore reads from it is checked here.
    shard.tensors.forEach((t, i) => {
      const at = `shard ${shard.file} tensor ${i}`;
      if (typeof t?.name !== 'string') fail(`${at}: name must be a string`);
      if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${at}: shape must be a list of non-negative integers`);
      if (t.dtype !== 'F32') fail(`${at}: dtype must be "F32"`);
    });
  }
  if (!Array.isArray(raw.kafkaOffsets)) fail('kafkaOffsets must be an array');
  (raw.kafkaOffsets as KafkaOffset[]).forEach((k, i) => {
    if (typeof k?.topic !== 'string' || !Number.isSafeInteger(k.partition) || k.partition < 0) fail(`kafkaOffsets[${i}]: needs a topic and a non-negative partition`);
    if (typeof k.offset !== 'string' || !/^\d+$/.test(k.offset)) fail(`kafkaOffsets[${i}]: offset must be a decimal string`);
  });
  if (raw.extra !== undefined && (raw.extra === null || typeof raw.extra !== 'object' || Array.isArray(raw.extra))) fail('extra must be an object');
  return raw as unknown as Manifest;
}

/** The shard layout a manifest describes (to rebuild a state store from it). */
export function layoutsOf(manifest: Manifest): ShardLayout[] {
  return manifest.shards.map((s, id) => layoutOf(id, s.tensors));
}
