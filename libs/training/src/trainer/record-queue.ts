// The trainer's reading side: every partition of its topics through Bus.consumeFrom, starting at
// the offsets of the checkpoint it resumed from, buffered per topic so the training loop can take
// one record at a time. The loop, not the bus, decides when a record counts as consumed: `positions`
// only move when the loop takes a record, and the loop snapshots them when an optimizer step is
// complete, so the offsets a checkpoint records are exactly those of the sequences in it.
import type { Bus, ConsumedRecord, PartitionOffset, Subscription } from '@cptflow/platform';

export interface RecordQueueOptions {
  topics: string[];
  startOffsets: PartitionOffset[];
  /**
   * Backpressure: a topic buffering more than this many records is paused on the bus, and resumed once
   * the loop has taken it down to half.
   */
  highWaterRecords: number;
  maxBatchRecords?: number;
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
  private subscription: Subscription | null = null;
  /** Topics paused on the bus because their buffer is full. */
  private readonly paused = new Set<string>();
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
        // Backpressure by pausing this topic on the bus: the handler returns at once, so the reader
        // keeps heartbeating and keeps serving the other topics (a loop waiting on replay data is never
        // starved by a full main topic), and nothing is handed back or reported as a failure.
        if (buffer.length > this.options.highWaterRecords && !this.closed && !this.paused.has(batch.topic)) {
          this.paused.add(batch.topic);
          this.subscription?.pause([batch.topic]);
        }
        return [];
      },
    });
    // A batch handled before consumeFrom returned may have asked for a pause.
    if (this.paused.size > 0) this.subscription.pause([...this.paused]);
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
      this.resumeIfDrained(topic);
      await new Promise<void>((r) => this.arrivals.push(r));
    }
    // Arrival order: records of one partition stay in offset order; a single-partition topic gives a
    // deterministic order (what bit-identical replays need); across partitions it follows arrival.
    const record = buffer.shift()!;
    this.taken.set(key(record.topic, record.partition), { topic: record.topic, partition: record.partition, offset: (BigInt(record.offset) + 1n).toString() });
    this.resumeIfDrained(topic);
    return record;
  }

  /** Resolves when `topic` has a record, the queue is closed, or `timeoutMs` passed. */
  async waitForData(topic: string, timeoutMs?: number): Promise<void> {
    if (this.buffered(topic) > 0 || this.closed) return;
    this.resumeIfDrained(topic);
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.arrivals.push(resolve);
      if (timeoutMs !== undefined) timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }

  /** Next offsets to consume per partition, for every record taken so far (and the start offsets). */
  positions(): PartitionOffset[] {
    return [...this.taken.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    await this.subscription?.stop();
  }

  /** Whether `topic` is paused on the bus for backpressure right now. */
  isPaused(topic: string): boolean {
    return this.paused.has(topic);
  }

  private resumeIfDrained(topic: string): void {
    if (!this.paused.has(topic) || this.buffered(topic) > Math.floor(this.options.highWaterRecords / 2)) return;
    this.paused.delete(topic);
    this.subscription?.resume([topic]);
  }

  private wake(): void {
    for (const resolve of this.arrivals.splice(0)) resolve();
  }
}
