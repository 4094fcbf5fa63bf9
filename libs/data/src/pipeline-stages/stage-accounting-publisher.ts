// Publishes a stage's StageAccounting totals with its consumer lag on the accounting topic now and then,
// so the evaluator's dashboard shows the pipeline without reading its topics. The counts themselves come
// from what the stage committed (StageAccounting.countCommitted), so a retried batch counts once.
import { randomBytes } from 'node:crypto';
import { codecFor, StageAccounting as StageAccountingMessage, type TopicsConfig, type Bus } from '@cptflow/platform';
import type { Stage } from './stage';
import type { StageAccounting } from './stage-accounting';

const accountingCodec = codecFor<StageAccountingMessage>(StageAccountingMessage);

export interface StageAccountingPublisherOptions {
  bus: Bus;
  topics: TopicsConfig;
  /** How often the counts are published when they changed. */
  intervalMs?: number;
  log?: (message: string) => void;
}

/** The stage whose counts these are; without a consumer group (ingest) the lag is unknown (-1). */
export type AccountedStage = Pick<Stage, 'name'> & Partial<Pick<Stage, 'groupId' | 'inputTopics'>>;

export class StageAccountingPublisher {
  /** Tells this process's counts from another replica's of the same stage. */
  readonly instance = randomBytes(6).toString('hex');
  private timer?: NodeJS.Timeout;
  private published = '';
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly stage: AccountedStage,
    private readonly accounting: StageAccounting,
    private readonly options: StageAccountingPublisherOptions,
  ) {}

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
      const t = this.accounting.totals();
      const counts = {
        recordsIn: t.consumed,
        recordsOut: t.kept + t.sequences,
        rejected: t.rejected,
        rejectedByRule: t.rejectedByRule,
        duplicates: t.duplicates,
        deadLetters: t.deadLetters,
      };
      const lag = await this.lag();
      const state = JSON.stringify({ ...counts, lag });
      if (state === this.published) return;
      const message: StageAccountingMessage = { stage: this.stage.name, instance: this.instance, atMs: Date.now(), ...counts, lag };
      await bus.publish([{ topic: topics.stageAccounting, key: this.stage.name, value: accountingCodec.encode(message) }]);
      this.published = state;
    } catch (error) {
      // Accounting must never stop the stage; the next interval tries again with the same counts.
      log?.(`${this.stage.name}: accounting not published: ${(error as Error).message}`);
    }
  }

  /** The group's consumer lag, or -1 when the bus cannot tell (the counts still go out). */
  private async lag(): Promise<number> {
    const { groupId, inputTopics } = this.stage;
    if (!this.options.bus.consumerLag || !groupId || !inputTopics?.length) return -1;
    try {
      return await this.options.bus.consumerLag(groupId, inputTopics);
    } catch (error) {
      this.options.log?.(`${this.stage.name}: consumer lag unknown: ${(error as Error).message}`);
      return -1;
    }
  }
}
