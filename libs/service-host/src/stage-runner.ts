import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Bus, Subscription } from '../../transport/src/bus';
import type { CptflowConfig } from '../../config/src/schema';
import { Readiness } from './readiness';
import { StageAccountant } from './stage-accounting';
import type { Stage } from './stage';
import { BUS, CONFIG, STAGE } from './tokens';

/**
 * Runs the service's stage for the life of the Nest application: subscribes once the app has booted,
 * and on shutdown stops fetching, lets the in-flight batch commit, then releases the stage.
 */
@Injectable()
export class StageRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StageRunner.name);
  private subscription?: Subscription;
  private accountant?: StageAccountant;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(STAGE) private readonly stage: Stage,
    @Inject(CONFIG) private readonly config: CptflowConfig,
    @Inject(Readiness) readiness: Readiness,
  ) {
    readiness.register(`stage:${stage.name}`, () =>
      this.subscription ? { ready: true } : { ready: false, detail: 'not subscribed yet' },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const { stage } = this;
    await this.bus.ensureTopics([...stage.inputTopics, ...stage.outputTopics], this.config.bus.partitions);
    // What the stage counts goes to the accounting topic (the evaluator's dashboard shows it).
    this.accountant = new StageAccountant(stage, { bus: this.bus, topics: this.config.topics, log: (m) => this.logger.warn(m) });
    await this.accountant.start();
    this.subscription = await this.bus.consume({
      groupId: stage.groupId,
      topics: stage.inputTopics,
      handler: this.accountant.handle,
      maxBatchRecords: this.config.bus.maxBatchRecords,
    });
    this.logger.log(`${stage.name}: consuming ${stage.inputTopics.join(', ')} as group ${stage.groupId}`);
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`${this.stage.name}: draining (${signal ?? 'shutdown'})`);
    await this.subscription?.stop();
    this.subscription = undefined;
    await this.accountant?.stop();
    await this.stage.close?.();
    await this.bus.close();
  }
}
