// For a service whose work is not a consumed stage (ingest): its StageAccounting, filled by whoever
// publishes (DocumentPublisher's onPublished), goes to the accounting topic and the log like a stage's,
// so the dashboard's pipeline table starts where documents enter. Consuming stages get the same from
// StageRunner.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { StageAccounting, StageAccountingPublisher } from '@cptflow/data';
import { startStageSummaries, type StageSummaries } from './stage-summaries';
import { BUS, CONFIG } from './tokens';

@Injectable()
export class AccountingReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private publisher?: StageAccountingPublisher;
  private summaries?: StageSummaries;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: CptflowConfig,
    @Inject(StageAccounting) private readonly accounting: StageAccounting,
  ) {
    this.logger = new Logger(accounting.stage);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.publisher = new StageAccountingPublisher({ name: this.accounting.stage }, this.accounting, {
      bus: this.bus,
      topics: this.config.topics,
      log: (m) => this.logger.warn(m),
    });
    await this.publisher.start();
    this.summaries = startStageSummaries({
      accounting: this.accounting,
      everyMs: (this.config.logging?.summaryEverySeconds ?? 30) * 1000,
      log: (line) => this.logger.log(line),
      warn: (line) => this.logger.warn(line),
    });
  }

  /** After the app's own shutdown work (ingest drains its jobs first), the final counts. */
  async onApplicationShutdown(): Promise<void> {
    this.summaries?.stop();
    this.summaries?.logNow();
    await this.publisher?.stop();
  }
}
