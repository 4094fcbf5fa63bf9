// The Kafka transport (kafkajs). Each consumer reads in batches (eachBatch) and, per batch, runs the
// stage's handler and then writes its outputs and the consumed offsets in ONE transaction
// (transactional producer + sendOffsets), reading only committed records (read_committed). A process
// killed at any instant therefore leaves either the whole batch's effect or none of it: the next
// owner of the partition resumes at the last committed offset, and outputs of the unfinished
// transaction are never visible downstream.
//
// Transactional ids are `${clientId}.${groupId}.${instanceId}.${n}`. Give each replica a stable
// instanceId (CPTFLOW_INSTANCE_ID, e.g. a pod ordinal): a restarted replica then fences its dead
// predecessor and aborts its open transaction at once. With a fresh id, correctness is the same but
// the dead transaction blocks read_committed readers of its output partitions until the broker times
// it out (transactionTimeoutMs).
//
// Limitation (kafkajs 2.2.4): sendOffsets does not carry the consumer group generation (KIP-447), so a
// consumer that stalls longer than the session timeout and resumes after its partitions moved could
// still commit once. Keep batches well under sessionTimeoutMs; each chunk heartbeats.
//
// Nor can kafkajs ask for stable offsets (KIP-447's require_stable): a committed transaction's offsets
// are what a newly assigned member fetches only once its commit markers are written, a moment after
// the commit returns. A chunk therefore returns only when the group's offset reads as committed, so
// the rebalance that waits for this member's batch never hands a partition over behind it.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type Batch,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type Producer,
  type Transaction,
  type logCreator as LogCreator,
} from 'kafkajs';
import type {
  BatchHandler,
  Bus,
  ConsumedRecord,
  ConsumerOptions,
  ExternalOffsetsOptions,
  OutgoingRecord,
  Subscription,
} from './bus';
import { runBatch, stampTraceContext } from './batch-runner';
import { partitionForKey } from './partitioner';
import { clearConsumerLag, setConsumerLag } from '../telemetry';

export interface KafkaBusOptions {
  brokers: string[];
  clientId?: string;
  /** Stable per replica (see the file comment). Default: CPTFLOW_INSTANCE_ID, else host-pid-n. */
  instanceId?: string;
  /** Partitions for topics this bus creates without an explicit count. */
  defaultPartitions?: number;
  /** Records per handler call when a consumer does not say. */
  maxBatchRecords?: number;
  /** How long an open transaction may live before the broker aborts it. */
  transactionTimeoutMs?: number;
  /** How long a silent consumer keeps its partitions. */
  sessionTimeoutMs?: number;
  /** Longest a fetch waits for new data; lower means lower latency and more requests. */
  maxWaitTimeMs?: number;
  /** First retry delay after a handler or commit fails; doubles up to 5 s. */
  retryBackoffMs?: number;
  /** Told about failed batches (they are retried); defaults to console.error. */
  onError?: (error: unknown, where: string) => void;
  logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
}

/** Key of the records readState appends to a state partition to read up to (never a stage's key). */
const STATE_BARRIER_KEY = 'cptflow.state-barrier';

const LOG_LEVELS = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
} as const;

/**
 * kafkajs logs, at ERROR level, conditions it then retries by itself (a transaction still completing,
 * a leader or coordinator moving, a rebalance). Those are noise for an operator; real failures reach
 * onError. Everything else is printed as one line.
 */
const TRANSIENT = /concurrent operation on the same transaction|not the leader|coordinator is not available|not the correct coordinator|group is rebalancing|coordinator is loading/i;
/**
 * What every service start on a fresh cluster used to print: ensureTopics racing another service to
 * create the same topic (TOPIC_ALREADY_EXISTS, which kafkajs then reports as success) and asking for
 * a new topic's metadata before every broker knows it (UNKNOWN_TOPIC_OR_PARTITION, which
 * waitForLeaders retries). kafkajs's connection logs every error response before handing it to the
 * caller, so a real failure of these still reaches the caller and onError.
 */
const EXPECTED_WHILE_CREATING_TOPICS = /^Response (CreateTopics|Metadata)\(.*\): (Topic creation errors|This server does not host this topic-partition)/;
const quietLogCreator: LogCreator = () => ({ namespace, level, log }) => {
  const text = `${log.message}${log.error ? `: ${String(log.error)}` : ''}`;
  if (TRANSIENT.test(text) || EXPECTED_WHILE_CREATING_TOPICS.test(text)) return;
  const line = `[kafkajs ${namespace}] ${text}`;
  if (level <= KafkaLogLevel.ERROR) console.error(line);
  else console.log(line);
};

/** Distinguishes KafkaBus objects in one process that share a default instance id. */
let busesInProcess = 0;

/**
 * Waits until every partition of freshly created topics has a leader. kafkajs's own wait gives up when
 * the broker briefly answers UNKNOWN_TOPIC_OR_PARTITION for a topic it is still creating; that is
 * retriable, so we keep asking (bounded).
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const ready = metadata.length === topics.length && metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Retries what a broker answers with a retriable error (a new topic's leader still moving), bounded. */
async function whileRetriable<T>(call: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly clientId: string;
  private readonly instanceId: string;
  private readonly defaultPartitions: number;
  private readonly maxBatchRecords: number;
  private readonly transactionTimeoutMs: number;
  private readonly sessionTimeoutMs: number;
  private readonly maxWaitTimeMs: number;
  private readonly retryBackoffMs: number;
  private readonly onError: (error: unknown, where: string) => void;
  private readonly knownTopics = new Set<string>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly consumersPerGroup = new Map<string, number>();
  private admin?: Promise<Admin>;
  private publisher?: Promise<Producer>;
  /** publish() calls run one transaction at a time on the one publishing producer. */
  private publishQueue: Promise<unknown> = Promise.resolve();

  constructor(options: KafkaBusOptions) {
    this.clientId = options.clientId ?? 'cptflow';
    this.instanceId = options.instanceId ?? process.env.CPTFLOW_INSTANCE_ID ?? `${hostname()}-${process.pid}-${busesInProcess}`;
    busesInProcess++;
    this.defaultPartitions = options.defaultPartitions ?? 6;
    this.maxBatchRecords = options.maxBatchRecords ?? 500;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? 30_000;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.maxWaitTimeMs = options.maxWaitTimeMs ?? 200;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    this.onError = options.onError ?? ((error, where) => console.error(`[kafka-bus] ${where}: ${(error as Error)?.message ?? error}`));
    this.kafka = new Kafka({
      clientId: this.clientId,
      brokers: options.brokers,
      logLevel: LOG_LEVELS[options.logLevel ?? 'error'],
      logCreator: quietLogCreator,
      // Short first retry: CONCURRENT_TRANSACTIONS after a commit clears within milliseconds.
      retry: { initialRetryTime: 30, retries: 10 },
    });
  }

  async ensureTopics(topics: string[], partitions?: number): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.knownTopics.has(t));
    if (!missing.length) return;
    const admin = await this.connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const toCreate = missing.filter((t) => !existing.has(t));
    if (toCreate.length) {
      await admin.createTopics({
        waitForLeaders: false,
        topics: toCreate.map((topic) => ({ topic, numPartitions: partitions ?? this.defaultPartitions, replicationFactor: -1 })),
      });
      await waitForLeaders(admin, toCreate);
    }
    for (const topic of missing) this.knownTopics.add(topic);
  }

  async publish(records: OutgoingRecord[]): Promise<void> {
    if (!records.length) return;
    const stamped = stampTraceContext(records);
    await this.inPublishTransaction(async (transaction) => {
      await this.ensureTopics(stamped.map((r) => r.topic));
      await sendRecords(transaction, stamped);
    });
  }

  /** Runs `work` in a transaction of this client's publisher, one at a time, and commits it. */
  private inPublishTransaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    const run = this.publishQueue.then(async () => {
      this.publisher ??= this.connectedProducer(`${this.clientId}.publish.${this.instanceId}`);
      const producer = await this.publisher.catch((error) => {
        this.publisher = undefined;
        throw error;
      });
      const transaction = await producer.transaction();
      try {
        const result = await work(transaction);
        await transaction.commit();
        return result;
      } catch (error) {
        if (!(await abortTransaction(transaction))) {
          this.publisher = undefined;
          await producer.disconnect().catch(() => undefined);
        }
        throw error;
      }
    });
    this.publishQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async consume(options: ConsumerOptions): Promise<Subscription> {
    await this.ensureTopics(options.topics);
    const n = this.consumersPerGroup.get(options.groupId) ?? 0;
    this.consumersPerGroup.set(options.groupId, n + 1);
    const transactionalId = `${this.clientId}.${options.groupId}.${this.instanceId}.${n}`;
    return this.startReader({
      stage: options.groupId,
      groupId: options.groupId,
      topics: options.topics,
      handler: options.handler,
      maxBatchRecords: options.maxBatchRecords ?? this.maxBatchRecords,
      transactionalId,
      commitOffsets: true,
      onCommitted: options.onCommitted,
      onAssigned: options.onAssigned,
    });
  }

  async consumeFrom(options: ExternalOffsetsOptions): Promise<Subscription> {
    await this.ensureTopics(options.topics);
    // kafkajs has no manual partition assignment: a group of one, used once and never committed to,
    // gets every partition; the caller's offsets are applied by seeking before the first fetch.
    const groupId = `${this.clientId}.reader.${randomUUID()}`;
    return this.startReader({
      stage: 'external',
      groupId,
      topics: options.topics,
      handler: options.handler,
      maxBatchRecords: options.maxBatchRecords ?? this.maxBatchRecords,
      transactionalId: `${this.clientId}.reader.${this.instanceId}.${randomUUID()}`,
      commitOffsets: false,
      startOffsets: options.startOffsets,
    });
  }

  async ensureStateTopic(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    const admin = await this.connectedAdmin();
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopics({
        waitForLeaders: false,
        topics: [{ topic, numPartitions: this.defaultPartitions, replicationFactor: -1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      });
      await waitForLeaders(admin, [topic]);
    }
    this.knownTopics.add(topic);
  }

  async readState(topic: string, key: string): Promise<Buffer | undefined> {
    await this.ensureStateTopic(topic);
    const admin = await this.connectedAdmin();
    const partition = partitionForKey(key, (await whileRetriable(() => admin.fetchTopicOffsets(topic))).length);
    // The partition's end as a listing shows it is not enough: kafkajs lists offsets read_committed, and
    // a transaction that has committed but whose markers are still on their way is not in that end yet,
    // so a state written just before a takeover would be missed. Instead a barrier record is appended
    // now; reading read_committed past it means every transaction that wrote there before is decided and
    // read (the stable offset cannot pass it earlier). Barriers share one key and carry no value, so
    // compaction keeps at most the newest per partition.
    const barrier = await this.inPublishTransaction(async (transaction) => {
      const [written] = await transaction.send({ topic, acks: -1, messages: [{ key: STATE_BARRIER_KEY, value: null, partition }] });
      return BigInt(written!.baseOffset!);
    });
    // A reader of its own (a group of one, never committed to) reads the key's partition from the start,
    // read_committed, until it has passed the barrier. Batches that are only transaction markers never
    // reach eachBatch, so progress is told by END_BATCH_PROCESS, which they do fire.
    const consumer = this.kafka.consumer({ groupId: `${this.clientId}.state.${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: this.maxWaitTimeMs, allowAutoTopicCreation: false });
    let value: Buffer | undefined;
    let reachedEnd!: () => void;
    const ended = new Promise<void>((resolve) => (reachedEnd = resolve));
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic === topic && payload.partition === partition && BigInt(payload.lastOffset) >= barrier) reachedEnd();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (batch.partition !== partition) return;
          for (const message of batch.messages) if (message.key?.toString('utf8') === key) value = message.value ?? undefined;
        },
      });
      const limitMs = this.transactionTimeoutMs + this.sessionTimeoutMs * 3;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading state ${topic}[${partition}] for ${key} took over ${limitMs} ms`)), limitMs);
      });
      try {
        await Promise.race([ended, timedOut]);
      } finally {
        clearTimeout(timer);
      }
      return value;
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.publishQueue;
    if (this.publisher) await (await this.publisher).disconnect().catch(() => undefined);
    if (this.admin) await (await this.admin).disconnect().catch(() => undefined);
    this.publisher = undefined;
    this.admin = undefined;
  }

  async consumerLag(groupId: string, topics: string[]): Promise<number> {
    const admin = await this.connectedAdmin();
    const committed = await admin.fetchOffsets({ groupId, topics });
    let lag = 0;
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const ofGroup = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        const at = Number(ofGroup.find((p) => p.partition === end.partition)?.offset ?? -1);
        // -1: the group never committed here, so everything from the log start is unread.
        lag += Number(end.high) - (at >= 0 ? at : Number(end.low));
      }
    }
    return lag;
  }

  /**
   * Waits until the group's committed offset for the partition reads at least `next` (see the header:
   * kafkajs cannot ask for stable offsets). Never throws, since the commit itself succeeded: after
   * the transaction timeout, or on an error, it says so and goes on.
   */
  private async untilOffsetReads(groupId: string, topic: string, partition: number, next: string): Promise<void> {
    const deadline = Date.now() + this.transactionTimeoutMs;
    try {
      const admin = await this.connectedAdmin();
      for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const offset = committed?.partitions.find((p) => p.partition === partition)?.offset;
        if (offset !== undefined && BigInt(offset) >= BigInt(next)) return;
        if (Date.now() > deadline) throw new Error(`group ${groupId} still reads offset ${offset} for ${topic}[${partition}], committed ${next}`);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    } catch (error) {
      this.onError(error, `waiting for a committed offset to become readable (stage ${groupId})`);
    }
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }

  private async connectedProducer(transactionalId: string): Promise<Producer> {
    const producer = this.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.transactionTimeoutMs,
      allowAutoTopicCreation: false,
      // Kafka's (and the Java client's) murmur2 rule; the embedded bus uses the same (partitioner.ts).
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    // Connecting a transactional producer registers its id and aborts what a predecessor left open.
    await producer.connect();
    return producer;
  }

  private async startReader(spec: {
    stage: string;
    groupId: string;
    topics: string[];
    handler: BatchHandler;
    maxBatchRecords: number;
    transactionalId: string;
    commitOffsets: boolean;
    startOffsets?: ExternalOffsetsOptions['startOffsets'];
    onCommitted?: ConsumerOptions['onCommitted'];
    onAssigned?: ConsumerOptions['onAssigned'];
  }): Promise<Subscription> {
    // A group consumer connects its producer up front, so a predecessor's open transaction is aborted
    // before anything is read; a caller-managed reader connects one only if it ever has output.
    let producer: Promise<Producer> | undefined;
    if (spec.commitOffsets) await (producer = this.connectedProducer(spec.transactionalId));
    const currentProducer = async (): Promise<Producer> => {
      producer ??= this.connectedProducer(spec.transactionalId);
      return producer.catch((error) => {
        producer = undefined;
        throw error;
      });
    };
    const consumer: Consumer = this.kafka.consumer({
      groupId: spec.groupId,
      readUncommitted: false,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.sessionTimeoutMs / 5)),
      maxWaitTimeInMs: this.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    // Every member is told its partitions after each rebalance (kafkajs reports them when it joins).
    const { onAssigned } = spec;
    if (onAssigned) {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
        onAssigned(Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })))),
      );
    }
    // kafkajs restarts a crashed consumer by itself when the error is retriable; say so either way.
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.onError(payload.error, `consumer of ${spec.topics.join(',')} crashed (stage ${spec.stage}, restarting: ${payload.restart})`),
    );
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: spec.topics, fromBeginning: true });
    } catch (error) {
      if (producer) await (await producer).disconnect().catch(() => undefined);
      throw error;
    }
    let backoff = this.retryBackoffMs;

    const processChunk = async (batch: Batch, records: ConsumedRecord[], nextOffset: string): Promise<void> => {
      await runBatch(spec.stage, { topic: batch.topic, partition: batch.partition, records }, spec.handler, async (outputs) => {
        if (!spec.commitOffsets && outputs.length === 0) return; // nothing to write, no offsets to commit
        await this.ensureTopics(outputs.map((r) => r.topic));
        const current = await currentProducer();
        const transaction = await current.transaction();
        try {
          await sendRecords(transaction, outputs);
          if (spec.commitOffsets) {
            await retryWhileConcurrent(() =>
              transaction.sendOffsets({
                consumerGroupId: spec.groupId,
                topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset }] }],
              }),
            );
          }
          await transaction.commit();
        } catch (error) {
          if (!(await abortTransaction(transaction))) {
            // Unusable (e.g. fenced): the next batch connects a fresh producer with the same id.
            producer = undefined;
            await current.disconnect().catch(() => undefined);
          }
          throw error;
        }
        if (spec.commitOffsets) await this.untilOffsetReads(spec.groupId, batch.topic, batch.partition, nextOffset);
      }, spec.onCommitted);
    };

    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const records = batch.messages.map((m) => toConsumedRecord(batch.topic, batch.partition, m));
        for (let start = 0; start < records.length; start += spec.maxBatchRecords) {
          if (!isRunning() || isStale()) return;
          const chunk = records.slice(start, start + spec.maxBatchRecords);
          const last = chunk[chunk.length - 1].offset;
          // After the batch's last record, commit past its trailing transaction marker too
          // (batch.lastOffset() includes control records), so the group's lag can reach zero.
          const isFinal = start + spec.maxBatchRecords >= records.length;
          const nextOffset = (BigInt(isFinal ? batch.lastOffset() : last) + 1n).toString();
          try {
            await processChunk(batch, chunk, nextOffset);
            backoff = this.retryBackoffMs;
          } catch (error) {
            // Leaving the offset unresolved makes kafkajs fetch the same records again next time.
            this.onError(error, `batch ${batch.topic}[${batch.partition}] at offset ${chunk[0].offset} (stage ${spec.stage})`);
            await new Promise((resolve) => setTimeout(resolve, backoff));
            backoff = Math.min(backoff * 2, 5000);
            return;
          }
          resolveOffset(last);
          setConsumerLag(spec.stage, batch.topic, batch.partition, Number(BigInt(batch.highWatermark) - BigInt(nextOffset)));
          await heartbeat();
        }
      },
    });
    for (const start of spec.startOffsets ?? []) consumer.seek(start);

    let stopping: Promise<void> | undefined;
    const topicsOf = (topics?: string[]) => (topics ?? spec.topics).map((topic) => ({ topic }));
    const subscription: Subscription = {
      // kafkajs stops fetching paused topics; the batch in hand finishes and offsets resolve as usual.
      pause: (topics) => consumer.pause(topicsOf(topics)),
      resume: (topics) => consumer.resume(topicsOf(topics)),
      stop: () => {
        stopping ??= (async () => {
          // disconnect() stops fetching, waits for the in-flight batch to finish, then leaves the group.
          await consumer.disconnect();
          if (producer) await (await producer.catch(() => undefined))?.disconnect().catch(() => undefined);
          clearConsumerLag(spec.stage);
          this.subscriptions.delete(subscription);
        })();
        return stopping;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }
}

/**
 * The coordinator answers CONCURRENT_TRANSACTIONS while it is still writing the markers of this
 * producer's previous transaction (a few ms after commit). The Java client retries it; kafkajs does
 * not for AddOffsetsToTxn, so we do, briefly.
 */
async function retryWhileConcurrent<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if ((error as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS' || attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(10 * (attempt + 1), 100)));
    }
  }
}

/** Aborts an open transaction; false when even that failed and the producer must be replaced. */
async function abortTransaction(transaction: Transaction): Promise<boolean> {
  try {
    if (transaction.isActive()) await transaction.abort();
    return true;
  } catch {
    return false;
  }
}

async function sendRecords(transaction: Transaction, records: OutgoingRecord[]): Promise<void> {
  if (!records.length) return;
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const record of records) {
    const list = byTopic.get(record.topic);
    if (list) list.push(record);
    else byTopic.set(record.topic, [record]);
  }
  await transaction.sendBatch({
    acks: -1,
    topicMessages: [...byTopic].map(([topic, list]) => ({
      topic,
      messages: list.map((r) => ({ key: r.key ?? null, value: r.value, headers: r.headers, partition: r.partition })),
    })),
  });
}

function headerText(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined) headers[name] = text;
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : undefined,
    value: message.value ?? Buffer.alloc(0),
    headers,
  };
}
