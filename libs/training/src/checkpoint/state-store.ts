// The trainer's state (parameters, AdamW first and second moments) as named float32 tensors in
// shards. Each shard is either resident (one Float32Array; tensors are views into it) or offloaded
// to its own file in `offloadDir`. A memory budget bounds the resident bytes: acquiring an
// offloaded shard evicts the least recently used unpinned shards first, writing them back only if
// they changed. This is ZeRO-3's partitioning with CPU->disk offload, in one process.
import { FileHandle, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesOf, readFully, writeFully } from './file-io';
import { CheckpointError, ShardLayout, shardBytes, ShardTensor } from './layout';

export interface StateStoreOptions {
  readonly shards: readonly ShardLayout[];
  /** Directory for offloaded shard files (created if missing; private to this store). */
  readonly offloadDir: string;
  /** Upper bound on resident shard bytes; at least the largest shard. Infinity keeps all in memory. */
  readonly memoryBudgetBytes: number;
  /** Fills a tensor at creation; tensors start at zero without it. */
  readonly init?: (tensor: ShardTensor, out: Float32Array) => void;
  /** Fills a whole shard at creation (e.g. from a checkpoint file); runs after `init`. */
  readonly load?: (layout: ShardLayout, out: Float32Array) => Promise<void>;
}

export type AccessMode = 'read' | 'write';

/** A pinned, resident shard. Its views stay valid until release(). */
export class ResidentShard {
  constructor(
    readonly layout: ShardLayout,
    readonly data: Float32Array,
  ) {}

  tensor(name: string): Float32Array {
    const t = this.layout.tensors.find((x) => x.name === name);
    if (!t) throw new CheckpointError(`shard ${this.layout.id} has no tensor "${name}"`);
    return this.data.subarray(t.offset, t.offset + t.length);
  }
}

interface Slot {
  readonly layout: ShardLayout;
  readonly bytes: number;
  data: Float32Array | null;
  pins: number;
  /** Resident data differs from the offload file (or the file was never written). */
  dirty: boolean;
  lastUsed: number;
  file: FileHandle | null;
}

/** Where a shard's bytes are right now, for the checkpoint writer. */
export type ShardSource = { kind: 'memory'; bytes: Uint8Array } | { kind: 'file'; handle: FileHandle; length: number };

export class ShardedStateStore {
  private readonly slots: Slot[];
  private readonly byName = new Map<string, { slot: Slot; tensor: ShardTensor }>();
  private clock = 0;
  private residentTotal = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private writesBlocked = 0;
  /** Counters for tests and metrics. */
  readonly stats = { loads: 0, evictions: 0, writeBacks: 0 };

  private constructor(
    readonly offloadDir: string,
    readonly memoryBudgetBytes: number,
    shards: readonly ShardLayout[],
  ) {
    this.slots = shards.map((layout) => ({ layout, bytes: shardBytes(layout), data: null, pins: 0, dirty: false, lastUsed: 0, file: null }));
    shards.forEach((layout, i) => {
      if (layout.id !== i) throw new CheckpointError(`shard ids must be 0..n-1 in order; shard ${i} has id ${layout.id}`);
      for (const tensor of layout.tensors) {
        if (this.byName.has(tensor.name)) throw new CheckpointError(`tensor "${tensor.name}" appears in two shards`);
        this.byName.set(tensor.name, { slot: this.slots[i], tensor });
      }
    });
  }

  static async create(options: StateStoreOptions): Promise<ShardedStateStore> {
    const largest = Math.max(0, ...options.shards.map(shardBytes));
    if (!(options.memoryBudgetBytes >= largest)) {
      throw new CheckpointError(`memory budget ${options.memoryBudgetBytes} B is below the largest shard (${largest} B)`);
    }
    await mkdir(options.offloadDir, { recursive: true });
    const store = new ShardedStateStore(options.offloadDir, options.memoryBudgetBytes, options.shards);
    for (const slot of store.slots) {
      await store.exclusive(async () => {
        await store.makeRoom(slot.bytes);
        slot.data = new Float32Array(slot.layout.length);
        if (options.init) for (const t of slot.layout.tensors) options.init(t, slot.data.subarray(t.offset, t.offset + t.length));
        if (options.load) await options.load(slot.layout, slot.data);
        slot.dirty = true;
        slot.lastUsed = ++store.clock;
        store.residentTotal += slot.bytes;
      });
    }
    return store;
  }

  get shards(): readonly ShardLayout[] {
    return this.slots.map((s) => s.layout);
  }

  get residentBytes(): number {
    return this.residentTotal;
  }

  residentShardIds(): number[] {
    return this.slots.filter((s) => s.data !== null).map((s) => s.layout.id);
  }

  tensorNames(): string[] {
    return [...this.byName.keys()];
  }

  locate(name: string): { shardId: number; tensor: ShardTensor } {
    const entry = this.byName.get(name);
    if (!entry) throw new CheckpointError(`no tensor named "${name}" in the state store`);
    return { shardId: entry.slot.layout.id, tensor: entry.tensor };
  }

  /** Make a shard resident and pin it. 'write' marks it changed, so eviction will write it back. */
  async acquire(shardId: number, mode: AccessMode = 'read'): Promise<ResidentShard> {
    const slot = this.slot(shardId);
    if (mode === 'write' && this.writesBlocked > 0) {
      throw new CheckpointError(`shard ${shardId}: writes are blocked while a checkpoint is being saved`);
    }
    return this.exclusive(async () => {
      if (slot.data === null) {
        await this.makeRoom(slot.bytes);
        const data = new Float32Array(slot.layout.length);
        await readFully(await this.fileOf(slot), bytesOf(data), 0);
        slot.data = data;
        this.residentTotal += slot.bytes;
        this.stats.loads++;
      }
      slot.pins++;
      if (mode === 'write') slot.dirty = true;
      slot.lastUsed = ++this.clock;
      return new ResidentShard(slot.layout, slot.data);
    });
  }

  release(shardId: number): void {
    const slot = this.slot(shardId);
    if (slot.pins === 0) throw new CheckpointError(`shard ${shardId} released more often than acquired`);
    slot.pins--;
  }

  async use<T>(shardId: number, mode: AccessMode, fn: (shard: ResidentShard) => T | Promise<T>): Promise<T> {
    const shard = await this.acquire(shardId, mode);
    try {
      return await fn(shard);
    } finally {
      this.release(shardId);
    }
  }

  /** A copy of one tensor. */
  async readTensor(name: string): Promise<Float32Array> {
    const { shardId, tensor } = this.locate(name);
    return this.use(shardId, 'read', (s) => s.data.slice(tensor.offset, tensor.offset + tensor.length));
  }

  async writeTensor(name: string, values: Float32Array): Promise<void> {
    const { shardId, tensor } = this.locate(name);
    if (values.length !== tensor.length) {
      throw new CheckpointError(`tensor "${name}" has ${tensor.length} elements; got ${values.length}`);
    }
    await this.use(shardId, 'write', (s) => s.data.set(values, tensor.offset));
  }

  /**
   * Run `fn` with every shard's current bytes (resident memory or the offload file) while writes
   * are blocked, so a checkpoint sees one consistent step. Resident shards stay pinned meanwhile.
   */
  async withConsistentView<T>(fn: (source: (shardId: number) => Promise<ShardSource>) => Promise<T>): Promise<T> {
    this.writesBlocked++;
    const pinned: Slot[] = [];
    try {
      await this.exclusive(async () => {
        for (const slot of this.slots) {
          if (slot.data === null) continue;
          slot.pins++;
          pinned.push(slot);
        }
      });
      const source = async (shardId: number): Promise<ShardSource> => {
        const slot = this.slot(shardId);
        if (slot.data !== null && pinned.includes(slot)) return { kind: 'memory', bytes: bytesOf(slot.data) };
        // Offloaded and not dirty in memory: the file holds the current bytes (a later read-only
        // load cannot change them, and writes are blocked).
        return { kind: 'file', handle: await this.fileOf(slot), length: slot.bytes };
      };
      return await fn(source);
    } finally {
      for (const slot of pinned) slot.pins--;
      this.writesBlocked--;
    }
  }

  /** Write every changed resident shard to its offload file (resident copies stay). */
  async flush(): Promise<void> {
    await this.exclusive(async () => {
      for (const slot of this.slots) if (slot.data !== null && slot.dirty) await this.writeBack(slot);
    });
  }

  /** Close offload files and delete them (the state lives on only in checkpoints). */
  async close(): Promise<void> {
    await this.exclusive(async () => {
      for (const slot of this.slots) {
        await slot.file?.close();
        slot.file = null;
        slot.data = null;
      }
      this.residentTotal = 0;
      await rm(this.offloadDir, { recursive: true, force: true });
    });
  }

  private slot(shardId: number): Slot {
    const slot = this.slots[shardId];
    if (!slot) throw new CheckpointError(`no shard ${shardId} (store has ${this.slots.length})`);
    return slot;
  }

  /** Evict least recently used unpinned shards until `bytes` more fit in the budget. */
  private async makeRoom(bytes: number): Promise<void> {
    while (this.residentTotal + bytes > this.memoryBudgetBytes) {
      const victim = this.slots
        .filter((s) => s.data !== null && s.pins === 0)
        .sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!victim) {
        throw new CheckpointError(
          `memory budget ${this.memoryBudgetBytes} B exhausted: ${this.residentTotal} B resident, all pinned; release shards or raise the budget`,
        );
      }
      if (victim.dirty) await this.writeBack(victim);
      victim.data = null;
      this.residentTotal -= victim.bytes;
      this.stats.evictions++;
    }
  }

  private async writeBack(slot: Slot): Promise<void> {
    await writeFully(await this.fileOf(slot), bytesOf(slot.data!), 0);
    slot.dirty = false;
    this.stats.writeBacks++;
  }

  private async fileOf(slot: Slot): Promise<FileHandle> {
    if (!slot.file) slot.file = await open(join(this.offloadDir, `shard-${String(slot.layout.id).padStart(5, '0')}.f32`), 'w+');
    return slot.file;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
