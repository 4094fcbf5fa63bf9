import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type Provider } from '@nestjs/common';
import { type Bus, type CptflowConfig, consumerLag, describeBackends } from '@cptflow/platform';
import { Readiness } from './readiness';
import { type Stage, StageAccountingPublisher, StageAccounting } from '@cptflow/data';
import { BusTransport } from './bus-transport';
import { startStageSummaries, type StageSummaries } from './stage-summaries';
import { BACKENDS, BUS, CONFIG, STAGE } from './tokens';

/**
 * What a stage service does around its BusTransport for the life of the Nest application: at boot it
 * logs the backends it uses, starts publishing the stage's accounting and a summary line every
 * `logging.summaryEverySeconds`; on shutdown it stops the transport (no more fetching, the in-flight
 * batch commits) before anything the handler uses is released, then closes the stage and the bus.
 */
@Injectable()
export class StageRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StageRunner.name);
  private summaries?: StageSummaries;
  private publisher?: StageAccountingPublisher;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(STAGE) private readonly stage: Stage,
    @Inject(CONFIG) private readonly config: CptflowConfig,
    @Inject(BusTransport) private readonly transport: BusTransport,
    @Inject(StageAccounting) private readonly accounting: StageAccounting,
    @Inject(BACKENDS) private readonly backends: Record<string, string>,
    @Inject(Readiness) readiness: Readiness,
  ) {
    readiness.register(`stage:${stage.name}`, () =>
      transport.subscribed ? { ready: true } : { ready: false, detail: 'not subscribed yet' },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const { stage } = this;
    this.logger.log(`${stage.name}: backends: ${describeBackends(this.config, this.backends)}`);
    // What the stage commits is counted, and the counts go to the accounting topic (the evaluator's dashboard shows them).
    this.publisher = new StageAccountingPublisher(stage, this.accounting, { bus: this.bus, topics: this.config.topics, log: (m) => this.logger.warn(m) });
    await this.publisher.start();
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
    // Nest closes connected microservices only after this hook; the bus below must outlive the batch in flight.
    await this.transport.close();
    this.summaries?.stop();
    this.summaries?.logNow();
    await this.publisher?.stop();
    await this.stage.close?.();
    await this.bus.close();
  }
}

/**
 * What hosts a stage in a Nest module that provides BUS, STAGE, CONFIG, BACKENDS and Readiness: its
 * accounting (counted from what the transport commits), the BusTransport and the StageRunner.
 */
export function stageProviders(): Provider[] {
  return [
    { provide: StageAccounting, useFactory: (stage: Stage, config: CptflowConfig) => new StageAccounting(stage.name, config.topics), inject: [STAGE, CONFIG] },
    {
      provide: BusTransport,
      useFactory: (bus: Bus, stage: Stage, config: CptflowConfig, accounting: StageAccounting) =>
        new BusTransport({ bus, stage, partitions: config.bus.partitions, maxBatchRecords: config.bus.maxBatchRecords, onCommitted: accounting.countCommitted }),
      inject: [BUS, STAGE, CONFIG, StageAccounting],
    },
    StageRunner,
  ];
}
