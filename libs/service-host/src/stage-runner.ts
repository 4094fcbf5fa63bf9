import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Bus, Subscription } from '../../transport/src/bus';
import type { CptflowConfig } from '../../config/src/schema';
import { consumerLag } from '../../telemetry/src';
import { Readiness } from './readiness';
import type { Stage } from '../../pipeline-stages/src';
import { describeBackends } from '../../config/src/backends';
import { StageAccountingPublisher } from './stage-accounting-publisher';
import { StageAccounting } from './stage-accounting';
import { startStageSummaries, type StageSummaries } from './stage-summaries';
import { BACKENDS, BUS, CONFIG, STAGE } from './tokens';

/**
 * Runs the service's stage for the life of the Nest application: subscribes once the app has booted,
 * logs the backends it uses and a summary line every `logging.summaryEverySeconds`, and on shutdown
 * stops fetching, lets the in-flight batch commit, then releases the stage.
 */
@Injectable()
export class StageRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StageRunner.name);
  private subscription?: Subscription;
  private summaries?: StageSummaries;
  private publisher?: StageAccountingPublisher;
  private readonly accounting: StageAccounting;
  private readonly backends: Record<string, string>;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(STAGE) private readonly stage: Stage,
    @Inject(CONFIG) private readonly config: CptflowConfig,
    @Inject(Readiness) readiness: Readiness,
    // Provided by StageHostModule; a module that lists StageRunner itself (the evaluator) gets its own.
    @Optional() @Inject(StageAccounting) accounting?: StageAccounting,
    @Optional() @Inject(BACKENDS) backends?: Record<string, string>,
  ) {
    this.accounting = accounting ?? new StageAccounting(stage.name, config.topics);
    this.backends = backends ?? {};
    readiness.register(`stage:${stage.name}`, () =>
      this.subscription ? { ready: true } : { ready: false, detail: 'not subscribed yet' },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const { stage } = this;
    this.logger.log(`${stage.name}: backends: ${describeBackends(this.config, this.backends)}`);
    await this.bus.ensureTopics([...stage.inputTopics, ...stage.outputTopics], this.config.bus.partitions);
    // What the stage commits is counted, and the counts go to the accounting topic (the evaluator's dashboard shows them).
    this.publisher = new StageAccountingPublisher(stage, this.accounting, { bus: this.bus, topics: this.config.topics, log: (m) => this.logger.warn(m) });
    await this.publisher.start();
    this.subscription = await this.bus.consume({
      groupId: stage.groupId,
      topics: stage.inputTopics,
      handler: stage.handle,
      maxBatchRecords: this.config.bus.maxBatchRecords,
      onCommitted: this.accounting.countCommitted,
    });
    this.logger.log(`${stage.name}: consuming ${stage.inputTopics.join(', ')} as group ${stage.groupId}`);
    this.summaries = startStageSummaries({
      accounting: this.accounting,
      // Configurations built by hand (tests) may lack the section: the schema's default then.
      everyMs: (this.config.logging?.summaryEverySeconds ?? 30) * 1000,
      // The transports report lag under the consumer group's name.
      lag: () => consumerLag(stage.groupId),
      log: (line) => this.logger.log(line),
      warn: (line) => this.logger.warn(line),
    });
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`${this.stage.name}: draining (${signal ?? 'shutdown'})`);
    await this.subscription?.stop();
    this.subscription = undefined;
    this.summaries?.stop();
    this.summaries?.logNow();
    await this.publisher?.stop();
    await this.stage.close?.();
    await this.bus.close();
  }
}
