// Counts what a stage does — records in, out, rejected by rule, duplicates, dead letters — and
// publishes the cumulative counts with its consumer lag on the accounting topic now and then, so the
// evaluator's dashboard shows the pipeline without reading its topics. Wraps any stage's handler.
import { randomBytes } from 'node:crypto';
import { codecFor, Rejection, StageAccounting } from '../../contracts/src';
import type { TopicsConfig } from '../../config/src/schema';
import type { BatchHandler, Bus, ConsumedBatch, OutgoingRecord } from '../../transport/src/bus';
import type { Stage } from './stage';

const accountingCodec = codecFor<StageAccounting>(StageAccounting);
const rejectionCodec = codecFor<Rejection>(Rejection);

export interface StageAccountantOptions {
  bus: Bus;
  topics: TopicsConfig;
  /** How often the counts are published when they changed. */
  intervalMs?: number;
  log?: (message: string) => void;
}

export interface StageCounts {
  recordsIn: number;
  recordsOut: number;
  rejected: number;
  rejectedByRule: Record<string, number>;
  duplicates: number;
  deadLetters: number;
}

export class StageAccountant {
  readonly instance = randomBytes(6).toString('hex');
  readonly counts: StageCounts = { recordsIn: 0, recordsOut: 0, rejected: 0, rejectedByRule: {}, duplicates: 0, deadLetters: 0 };
  private timer?: NodeJS.Timeout;
  private published = '';
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly stage: Stage,
    private readonly options: StageAccountantOptions,
  ) {}

  /** The stage's handler, counting what it reads and writes. Counts include batches a crash re-delivers. */
  readonly handle: BatchHandler = async (batch: ConsumedBatch) => {
    const out = await this.stage.handle(batch);
    this.counts.recordsIn += batch.records.length;
    for (const record of out) this.count(record);
    return out;
  };

  async start(): Promise<void> {
    await this.options.bus.ensureTopics([this.options.topics.stageAccounting]);
    this.timer = setInterval(() => void this.publish(), this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  /** Publishes the counts now if they (or the lag) changed since the last time. */
  publish(): Promise<void> {
    this.publishing = this.publishing.then(() => this.publishOnce());
    return this.publishing;
  }

  /** Stops the timer and publishes the final counts. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.publish();
  }

  private async publishOnce(): Promise<void> {
    const { bus, topics, log } = this.options;
    try {
      const lag = await this.lag();
      const state = JSON.stringify({ ...this.counts, lag });
      if (state === this.published) return;
      const message: StageAccounting = { stage: this.stage.name, instance: this.instance, atMs: Date.now(), ...this.counts, lag };
      await bus.publish([{ topic: topics.stageAccounting, key: this.stage.name, value: accountingCodec.encode(message) }]);
      this.published = state;
    } catch (error) {
      // Accounting must never stop the stage; the next interval tries again with the same counts.
      log?.(`${this.stage.name}: accounting not published: ${(error as Error).message}`);
    }
  }

  /** The group's consumer lag, or -1 when the bus cannot tell (the counts still go out). */
  private async lag(): Promise<number> {
    if (!this.options.bus.consumerLag) return -1;
    try {
      return await this.options.bus.consumerLag(this.stage.groupId, this.stage.inputTopics);
    } catch (error) {
      this.options.log?.(`${this.stage.name}: consumer lag unknown: ${(error as Error).message}`);
      return -1;
    }
  }

  private count(record: OutgoingRecord): void {
    const { topics } = this.options;
    const c = this.counts;
    if (record.topic === topics.docsRejected) {
      c.rejected++;
      const r = rejectionCodec.decode(record.value);
      const rule = `${r.filter}/${r.rule}`;
      c.rejectedByRule[rule] = (c.rejectedByRule[rule] ?? 0) + 1;
    } else if (record.topic === topics.docsDuplicate) {
      c.duplicates++;
    } else if (record.topic.startsWith(`${topics.deadLetterPrefix}.dlq.`)) {
      c.deadLetters++;
    } else {
      c.recordsOut++;
    }
  }
}
