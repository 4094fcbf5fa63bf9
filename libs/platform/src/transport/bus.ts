// The one interface every stage talks to. Two implementations: Kafka (kafkajs) for deployments and tests,
// and an in-process bus for single-process runs. A stage never knows which one it runs on.

/** A record to write. `key` spreads work over partitions (the same key always lands on the same one). */
export interface OutgoingRecord {
  topic: string;
  key?: string;
  value: Buffer;
  /** Carries trace context (W3C traceparent) and small routing facts; values are UTF-8 strings. */
  headers?: Record<string, string>;
  /** Writes to this partition instead of the key's (e.g. a control record for one input partition). */
  partition?: number;
}

/** A record as a consumer sees it, with its position so it can be dead-lettered or checkpointed. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit; kept as decimal strings as kafkajs does. */
  offset: string;
  key?: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** Records of one topic-partition, in offset order. */
export interface ConsumedBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
}

/**
 * A stage's transform: the records it returns are written, and the batch's offsets committed, atomically
 * (one Kafka transaction). Throwing aborts the transaction and the batch is delivered again, so handlers
 * must be deterministic and idempotent for the same input. Bad input is not a reason to throw: return a
 * dead-letter record for it instead.
 */
export type BatchHandler = (batch: ConsumedBatch) => Promise<OutgoingRecord[]>;

export interface ConsumerOptions {
  /** Consumers sharing a group id split the topic's partitions between them. */
  groupId: string;
  topics: string[];
  handler: BatchHandler;
  /** Upper bound on records handed to one handler call. */
  maxBatchRecords?: number;
  /** Told about each batch once its outputs and offsets are committed (a retried batch is told once). */
  onCommitted?: CommittedListener;
  /**
   * Told the partitions this consumer holds after every (re)balance, so a stage that keeps state per
   * partition can pick up what a previous owner left there even when no new input arrives.
   */
  onAssigned?: AssignmentListener;
}

/** One partition of a topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export type AssignmentListener = (partitions: TopicPartition[]) => void;

export type CommittedListener = (batch: ConsumedBatch, outputs: OutgoingRecord[]) => void;

/** Where to resume a topic-partition, e.g. from offsets stored in a trainer checkpoint. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read. */
  offset: string;
}

/**
 * Reading with offsets the caller keeps (the trainer stores them in its checkpoints): every partition
 * of `topics` is read by this one reader, starting at `startOffsets` where given and at the beginning
 * elsewhere. No consumer group offsets are committed. Records the handler returns are published
 * (transactionally) before the next batch of that partition is delivered; they are not atomic with the
 * caller's own offsets, so a caller that needs that returns nothing and publishes after checkpointing.
 * Only committed records are read (read_committed).
 */
export interface ExternalOffsetsOptions {
  topics: string[];
  startOffsets?: PartitionOffset[];
  handler: BatchHandler;
  maxBatchRecords?: number;
}

export interface Subscription {
  /** Stops fetching, lets the in-flight batch finish and commit, then leaves the group. */
  stop(): Promise<void>;
  /**
   * Flow control for a reader that is ahead of its consumer: no more batches of `topics` (default:
   * all of this subscription's) are fetched until `resume`; the batch being handled finishes as usual.
   * Other topics keep flowing, nothing is re-delivered and nothing is reported as a failure.
   */
  pause(topics?: string[]): void;
  /** Fetches `topics` (default: all) again from where reading stopped. */
  resume(topics?: string[]): void;
}

export interface Bus {
  /** Creates topics that do not exist yet (partition count applies to new topics only). */
  ensureTopics(topics: string[], partitions?: number): Promise<void>;
  /** Writes records (in one transaction on Kafka); resolves once they are durable. */
  publish(records: OutgoingRecord[]): Promise<void>;
  /** Consume-transform-produce with atomic commit: see BatchHandler. */
  consume(options: ConsumerOptions): Promise<Subscription>;
  /** Reads with offsets managed by the caller: see ExternalOffsetsOptions. */
  consumeFrom(options: ExternalOffsetsOptions): Promise<Subscription>;
  /** Records of `topics` the group has not committed yet (its consumer lag), summed over partitions. */
  consumerLag?(groupId: string, topics: string[]): Promise<number>;
  /**
   * State a stage keeps beside its outputs, as Kafka Streams keeps changelogs: the stage writes it as an
   * ordinary output record keyed by what it describes (so it commits in the batch's transaction), to a
   * topic made here (compacted on Kafka: only the newest value per key is kept).
   */
  ensureStateTopic(topic: string): Promise<void>;
  /**
   * The newest committed value written under `key` to a state topic, or undefined when there is none.
   * Waits for a transaction still open on the key's partition to end (a dead owner's, until it is aborted).
   */
  readState(topic: string, key: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}
