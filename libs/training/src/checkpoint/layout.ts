// How named float32 tensors are grouped into shards. A shard is the unit that is resident or
// offloaded, and the unit written in parallel at checkpoint time. Tensors that share a `group`
// (say, a layer's weights and their AdamW moments) stay in one shard, so one training-step phase
// touches as few shards as possible.

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** Tensors with the same group are kept in the same shard. */
  readonly group?: string;
}

export interface ShardTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in float32 elements from the start of the shard. */
  readonly offset: number;
  readonly length: number;
}

export interface ShardLayout {
  readonly id: number;
  readonly tensors: readonly ShardTensor[];
  /** Total float32 elements. */
  readonly length: number;
}

export const FLOAT32_BYTES = 4;

export function shardBytes(shard: ShardLayout): number {
  return shard.length * FLOAT32_BYTES;
}

/**
 * Greedy, order-preserving packing: groups are appended to the current shard until the next one
 * would take it past maxShardBytes. A single group larger than the limit gets a shard of its own.
 */
export function planShards(specs: readonly TensorSpec[], maxShardBytes: number): ShardLayout[] {
  if (!(maxShardBytes > 0)) throw new CheckpointError(`maxShardBytes must be positive, got ${maxShardBytes}`);
  const seen = new Set<string>();
  const groups: TensorSpec[][] = [];
  const groupIndex = new Map<string, number>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new CheckpointError(`duplicate tensor name "${spec.name}"`);
    if (!spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CheckpointError(`tensor "${spec.name}" has an invalid shape ${JSON.stringify(spec.shape)}`);
    }
    seen.add(spec.name);
    const key = spec.group;
    if (key !== undefined && groupIndex.has(key)) groups[groupIndex.get(key)!].push(spec);
    else {
      if (key !== undefined) groupIndex.set(key, groups.length);
      groups.push([spec]);
    }
  }
  const limit = maxShardBytes / FLOAT32_BYTES;
  const shards: TensorSpec[][] = [];
  let current: TensorSpec[] = [];
  let currentLength = 0;
  for (const group of groups) {
    const length = group.reduce((sum, s) => sum + elements(s.shape), 0);
    if (current.length > 0 && currentLength + length > limit) {
      shards.push(current);
      current = [];
      currentLength = 0;
    }
    current.push(...group);
    currentLength += length;
  }
  if (current.length > 0) shards.push(current);
  return shards.map((tensors, id) => layoutOf(id, tensors));
}

export function layoutOf(id: number, specs: readonly { name: string; shape: readonly number[] }[]): ShardLayout {
  let offset = 0;
  const tensors = specs.map((s) => {
    const length = elements(s.shape);
    const t: ShardTensor = { name: s.name, shape: [...s.shape], offset, length };
    offset += length;
    return t;
  });
  return { id, tensors, length: offset };
}

export function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
