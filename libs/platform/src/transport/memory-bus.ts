// The embedded bus for single-process runs: Kafka's semantics without a broker. Topics have
// partitions (a key always lands on the same one, by Kafka's own partitioner), consumers sharing a
// group id split the partitions, each partition is delivered in order in batches, and a batch's
// outputs and its offset commit happen together or not at all. Nothing is persisted: a restart
// starts from empty topics, which is what the single-process mode wants.
import type {
  AssignmentListener,
  BatchHandler,
  Bus,
  ConsumedBatch,
  ConsumerOptions,
  ExternalOffsetsOptions,
  OutgoingRecord,
  Subscription,
  TopicPartition,
} from './bus';
import { runBatch, stampTraceContext } from './batch-runner';
import { partitionForKey } from './partitioner';
import { clearConsumerLag, setConsumerLag } from '../telemetry';

export interface MemoryBusOptions {
  /** Partitions for topics created without an explicit count (also those created on first use). */
  defaultPartitions?: number;
  /** Records per handler call when the consumer does not say. */
  maxBatchRecords?: number;
  /** First retry delay after a handler throws; doubles up to 2 s. */
  retryBackoffMs?: number;
  /** Told about handler failures (the batch is retried); defaults to console.error. */
  onError?: (error: unknown, where: string) => void;
}

interface StoredRecord {
  key?: string;
  value: Buffer;
  headers: Record<string, string>;
}


/** Where a reader's partitions and positions come from: a consumer group, or offsets the caller keeps. */
interface PartitionSource {
  assigned(): TopicPartition[];
  position(tp: TopicPartition): number;
  /** A value that changes whenever the assignment does; a commit made under an old one is refused. */
  epoch(): number;
  commit(tp: TopicPartition, next: number, epoch: number): boolean;
}

class FencedBatch extends Error {
  override readonly name = 'FencedBatch';
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

class Group {
  generation = 0;
  readonly members: GroupMember[] = [];
  readonly committed = new Map<string, number>();
}

class GroupMember implements PartitionSource {
  assignment: TopicPartition[] = [];

  constructor(
    private readonly group: Group,
    readonly topics: string[],
    readonly onAssigned?: AssignmentListener,
  ) {}

  assigned(): TopicPartition[] {
    return this.assignment;
  }

  position(tp: TopicPartition): number {
    return this.group.committed.get(tpKey(tp.topic, tp.partition)) ?? 0;
  }

  epoch(): number {
    return this.group.generation;
  }

  commit(tp: TopicPartition, next: number, epoch: number): boolean {
    // A rebalance while the handler ran may have handed the partition to another member, which
    // then processes the same records: like a fenced Kafka producer, this member's result is void.
    if (epoch !== this.group.generation) return false;
    this.group.committed.set(tpKey(tp.topic, tp.partition), next);
    return true;
  }
}

class ExternalOffsets implements PartitionSource {
  private readonly positions = new Map<string, number>();

  constructor(
    private readonly partitions: TopicPartition[],
    startOffsets: ExternalOffsetsOptions['startOffsets'],
  ) {
    for (const start of startOffsets ?? []) this.positions.set(tpKey(start.topic, start.partition), Number(start.offset));
  }

  assigned(): TopicPartition[] {
    return this.partitions;
  }

  position(tp: TopicPartition): number {
    return this.positions.get(tpKey(tp.topic, tp.partition)) ?? 0;
  }

  epoch(): number {
    return 0;
  }

  commit(tp: TopicPartition, next: number): boolean {
    this.positions.set(tpKey(tp.topic, tp.partition), next);
    return true;
  }
}

interface ReaderState {
  running: boolean;
  /** Topics not to deliver until resumed (Subscription.pause). */
  paused: Set<string>;
}

/** Wakes every waiting reader when something was written or an assignment changed. */
class ChangeSignal {
  private waiters: Array<() => void> = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  fire(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export class MemoryBus implements Bus {
  private readonly topics = new Map<string, StoredRecord[][]>();
  private readonly groups = new Map<string, Group>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly changed = new ChangeSignal();
  private readonly roundRobin = new Map<string, number>();
  private readonly defaultPartitions: number;
  private readonly maxBatchRecords: number;
  private readonly retryBackoffMs: number;
  private readonly onError: (error: unknown, where: string) => void;

  constructor(options: MemoryBusOptions = {}) {
    this.defaultPartitions = options.defaultPartitions ?? 4;
    this.maxBatchRecords = options.maxBatchRecords ?? 500;
    this.retryBackoffMs = options.retryBackoffMs ?? 50;
    this.onError = options.onError ?? ((error, where) => console.error(`[memory-bus] ${where}: ${(error as Error)?.message ?? error}`));
  }

  async ensureTopics(topics: string[], partitions?: number): Promise<void> {
    for (const topic of topics) this.topic(topic, partitions);
  }

  async publish(records: OutgoingRecord[]): Promise<void> {
    const stamped = stampTraceContext(records);
    this.append(stamped);
  }

  async consume(options: ConsumerOptions): Promise<Subscription> {
    for (const topic of options.topics) this.topic(topic);
    let group = this.groups.get(options.groupId);
    if (!group) this.groups.set(options.groupId, (group = new Group()));
    const member = new GroupMember(group, options.topics, options.onAssigned);
    group.members.push(member);
    this.rebalance(group);
    const joinedGroup = group;
    return this.startReader(options.groupId, member, options.handler, options.maxBatchRecords, options.onCommitted, () => {
      joinedGroup.members.splice(joinedGroup.members.indexOf(member), 1);
      this.rebalance(joinedGroup);
    });
  }

  async consumeFrom(options: ExternalOffsetsOptions): Promise<Subscription> {
    const partitions: TopicPartition[] = [];
    for (const topic of options.topics) {
      const count = this.topic(topic).length;
      for (let partition = 0; partition < count; partition++) partitions.push({ topic, partition });
    }
    const source = new ExternalOffsets(partitions, options.startOffsets);
    return this.startReader('external', source, options.handler, options.maxBatchRecords, undefined, () => {});
  }

  async ensureStateTopic(topic: string): Promise<void> {
    this.topic(topic);
  }

  async readState(topic: string, key: string): Promise<Buffer | undefined> {
    // Batches are appended whole, so the newest record of the key's partition is its committed value.
    const partitions = this.topic(topic);
    const records = partitions[partitionForKey(key, partitions.length)];
    for (let i = records.length - 1; i >= 0; i--) if (records[i].key === key) return records[i].value;
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }

  async consumerLag(groupId: string, topics: string[]): Promise<number> {
    const committed = this.groups.get(groupId)?.committed;
    let lag = 0;
    for (const topic of topics) {
      this.endOffsets(topic).forEach((end, partition) => (lag += end - (committed?.get(tpKey(topic, partition)) ?? 0)));
    }
    return lag;
  }

  /** Records currently in each partition of `topic` (its end offsets); for tests and progress. */
  endOffsets(topic: string): number[] {
    return (this.topics.get(topic) ?? []).map((records) => records.length);
  }

  private topic(name: string, partitions?: number): StoredRecord[][] {
    let topic = this.topics.get(name);
    if (!topic) {
      const count = partitions ?? this.defaultPartitions;
      if (!Number.isInteger(count) || count < 1) throw new Error(`invalid partition count ${count} for topic ${name}`);
      topic = Array.from({ length: count }, () => []);
      this.topics.set(name, topic);
    }
    return topic;
  }

  /** Writes all records at once: no reader can observe part of them. */
  private append(records: OutgoingRecord[]): void {
    for (const record of records) {
      const partitions = this.topic(record.topic);
      if (record.partition !== undefined && !(Number.isInteger(record.partition) && record.partition >= 0 && record.partition < partitions.length)) {
        throw new Error(`topic ${record.topic} has no partition ${record.partition}`);
      }
      partitions[record.partition ?? this.partitionFor(record, partitions.length)].push({
        key: record.key,
        value: record.value,
        headers: { ...(record.headers ?? {}) },
      });
    }
    if (records.length) this.changed.fire();
  }

  private partitionFor(record: OutgoingRecord, partitions: number): number {
    if (record.key !== undefined) return partitionForKey(record.key, partitions);
    // Keyless records spread round-robin, as Kafka's default partitioner does.
    const next = this.roundRobin.get(record.topic) ?? 0;
    this.roundRobin.set(record.topic, next + 1);
    return next % partitions;
  }

  /** Deals each subscribed partition to the members round-robin, in join order. */
  private rebalance(group: Group): void {
    group.generation++;
    for (const member of group.members) member.assignment = [];
    const topics = [...new Set(group.members.flatMap((m) => m.topics))].sort();
    let dealt = 0;
    for (const topic of topics) {
      const subscribers = group.members.filter((m) => m.topics.includes(topic));
      const count = this.topic(topic).length;
      for (let partition = 0; partition < count; partition++) {
        subscribers[dealt++ % subscribers.length].assignment.push({ topic, partition });
      }
    }
    for (const member of group.members) member.onAssigned?.([...member.assignment]);
    this.changed.fire();
  }

  private startReader(
    stage: string,
    source: PartitionSource,
    handler: BatchHandler,
    maxBatchRecords: number | undefined,
    onCommitted: ConsumerOptions['onCommitted'],
    leave: () => void,
  ): Subscription {
    const state: ReaderState = { running: true, paused: new Set() };
    const loop = this.readLoop(stage, source, handler, maxBatchRecords ?? this.maxBatchRecords, state, onCommitted);
    let stopping: Promise<void> | undefined;
    const topicsOf = (topics?: string[]) => topics ?? [...new Set(source.assigned().map((tp) => tp.topic))];
    const subscription: Subscription = {
      pause: (topics) => {
        for (const topic of topicsOf(topics)) state.paused.add(topic);
      },
      resume: (topics) => {
        for (const topic of topicsOf(topics)) state.paused.delete(topic);
        this.changed.fire();
      },
      stop: () => {
        stopping ??= (async () => {
          state.running = false;
          this.changed.fire();
          await loop;
          leave();
          clearConsumerLag(stage);
          this.subscriptions.delete(subscription);
        })();
        return stopping;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async readLoop(
    stage: string,
    source: PartitionSource,
    handler: BatchHandler,
    maxBatch: number,
    state: ReaderState,
    onCommitted?: ConsumerOptions['onCommitted'],
  ): Promise<void> {
    let turn = 0;
    let backoff = this.retryBackoffMs;
    // Yield first so consume() returns before the first handler call, as on Kafka.
    await new Promise((resolve) => setImmediate(resolve));
    while (state.running) {
      const partitions = source.assigned();
      let worked = false;
      for (let i = 0; i < partitions.length && state.running && !worked; i++) {
        // Start each scan one partition further on, so a busy partition cannot starve the others.
        const tp = partitions[(turn + i) % partitions.length];
        if (state.paused.has(tp.topic)) continue;
        const stored = this.topic(tp.topic)[tp.partition];
        const from = source.position(tp);
        setConsumerLag(stage, tp.topic, tp.partition, stored.length - from);
        if (from >= stored.length) continue;
        worked = true;
        turn = (turn + i + 1) % partitions.length;
        const batch = this.batchOf(tp, stored, from, Math.min(stored.length, from + maxBatch));
        const epoch = source.epoch();
        try {
          await runBatch(stage, batch, handler, async (outputs) => {
            if (!source.commit(tp, from + batch.records.length, epoch)) throw new FencedBatch('partition reassigned during the batch');
            this.append(outputs);
          }, onCommitted);
          backoff = this.retryBackoffMs;
        } catch (error) {
          if (error instanceof FencedBatch) continue;
          this.onError(error, `handler for ${tp.topic}[${tp.partition}] at offset ${from} (stage ${stage})`);
          await new Promise((resolve) => setTimeout(resolve, backoff));
          backoff = Math.min(backoff * 2, 2000);
        }
      }
      if (!worked && state.running) await this.changed.wait();
      else await new Promise((resolve) => setImmediate(resolve)); // let publishers and other readers run
    }
  }

  private batchOf(tp: TopicPartition, stored: StoredRecord[], from: number, to: number): ConsumedBatch {
    const records = [];
    for (let offset = from; offset < to; offset++) {
      const record = stored[offset];
      records.push({
        topic: tp.topic,
        partition: tp.partition,
        offset: String(offset),
        key: record.key,
        value: record.value,
        headers: { ...record.headers },
      });
    }
    return { topic: tp.topic, partition: tp.partition, records };
  }
}

