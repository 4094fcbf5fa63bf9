// The trainer's reading side: every partition of its topics through Bus.consumeFrom, starting at
// the offsets of the checkpoint it resumed from, buffered per topic so the training loop can take
// one record at a time. The loop, not the bus, decides when a record counts as consumed: `positions`
// only move when the loop takes a record, and the loop snapshots them when an optimizer step is
// complete, so the offsets a checkpoint records are exactly those of the sequences in it.
import type { Bus, ConsumedRecord, PartitionOffset, Subscription } from '../../transport/src';

export interface RecordQueueOptions {
  topics: string[];
  startOffsets: PartitionOffset[];
  /** The bus handler waits while a topic buffers more than this many records (backpressure). */
  highWaterRecords: number;
  maxBatchRecords?: number;
  /** Longest the bus handler waits for room before handing the batch back (default 3000 ms). */
  maxBlockMs?: number;
}

/** Thrown to the bus when the buffer stays full: not a failure, the batch is simply read again later. */
export class QueueFull extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueFull';
  }
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class RecordQueue {
  private readonly buffers = new Map<string, ConsumedRecord[]>();
  /** Next offset the bus should hand us per partition (to drop re-deliveries after a rebalance). */
  private readonly expected = new Map<string, bigint>();
  /** Next offset to consume per partition, counting records the loop has taken. */
  private readonly taken = new Map<string, PartitionOffset>();
  private readonly highWaterMarks = new Map<string, number>();
  private arrivals: Array<() => void> = [];
  private drains: Array<() => void> = [];
  private subscription: Subscription | null = null;
  /** Topics the loop is waiting on right now. */
  private readonly starving = new Set<string>();
  private closed = false;

  constructor(private readonly options: RecordQueueOptions) {
    for (const t of options.topics) {
      this.buffers.set(t, []);
      this.highWaterMarks.set(t, 0);
    }
    for (const o of options.startOffsets) {
      this.expected.set(key(o.topic, o.partition), BigInt(o.offset));
      this.taken.set(key(o.topic, o.partition), { ...o });
    }
  }

  async start(bus: Bus): Promise<void> {
    this.subscription = await bus.consumeFrom({
      topics: this.options.topics,
      startOffsets: this.options.startOffsets,
      maxBatchRecords: this.options.maxBatchRecords,
      handler: async (batch) => {
        const buffer = this.buffers.get(batch.topic);
        if (!buffer) return [];
        const k = key(batch.topic, batch.partition);
        for (const record of batch.records) {
          const offset = BigInt(record.offset);
          // A re-delivery (the reader rejoined and restarted from an older position): already buffered or trained.
          if (offset < (this.expected.get(k) ?? 0n)) continue;
          this.expected.set(k, offset + 1n);
          buffer.push(record);
        }
        this.wake();
        // Backpressure, except while the loop waits on another topic: one bus reader serves every
        // topic, so holding this one back would starve that one for ever. The handler blocks at most
        // maxBlockMs: kafkajs heartbeats only between handler calls, and a consumer silent for its
        // session timeout is dropped from its group. Past that, QueueFull makes the bus deliver the
        // batch again later (the records already buffered are then dropped as re-deliveries).
        const deadline = Date.now() + (this.options.maxBlockMs ?? 3000);
        while (!this.closed && buffer.length > this.options.highWaterRecords && !this.starvingOtherThan(batch.topic)) {
          const left = deadline - Date.now();
          if (left <= 0) throw new QueueFull(`${batch.topic}: ${buffer.length} records buffered ahead of training`);
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((r) => {
            this.drains.push(r);
            timer = setTimeout(r, left);
          });
          clearTimeout(timer);
        }
        return [];
      },
    });
  }

  /** Records buffered for `topic` (received, not yet taken). */
  buffered(topic: string): number {
    return this.buffers.get(topic)?.length ?? 0;
  }

  /** The next record of `topic`, or null once closed. Waits while the topic is drained. */
  async take(topic: string): Promise<ConsumedRecord | null> {
    const buffer = this.buffers.get(topic);
    if (!buffer) throw new Error(`record queue does not read topic ${topic}`);
    while (buffer.length === 0) {
      if (this.closed) return null;
      this.starving.add(topic);
      for (const release of this.drains.splice(0)) release();
      await new Promise<void>((r) => this.arrivals.push(r));
      this.starving.delete(topic);
    }
    // Arrival order: records of one partition stay in offset order; a single-partition topic gives a
    // deterministic order (what bit-identical replays need); across partitions it follows arrival.
    const record = buffer.shift()!;
    this.taken.set(key(record.topic, record.partition), { topic: record.topic, partition: record.partition, offset: (BigInt(record.offset) + 1n).toString() });
    for (const release of this.drains.splice(0)) release();
    return record;
  }

  /** Resolves when `topic` has a record, the queue is closed, or `timeoutMs` passed. */
  async waitForData(topic: string, timeoutMs?: number): Promise<void> {
    if (this.buffered(topic) > 0 || this.closed) return;
    this.starving.add(topic);
    for (const release of this.drains.splice(0)) release();
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.arrivals.push(resolve);
      if (timeoutMs !== undefined) timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.starving.delete(topic);
  }

  /** Next offsets to consume per partition, for every record taken so far (and the start offsets). */
  positions(): PartitionOffset[] {
    return [...this.taken.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    for (const release of this.drains.splice(0)) release();
    await this.subscription?.stop();
  }

  private starvingOtherThan(topic: string): boolean {
    for (const t of this.starving) if (t !== topic) return true;
    return false;
  }

  private wake(): void {
    for (const resolve of this.arrivals.splice(0)) resolve();
  }
}
