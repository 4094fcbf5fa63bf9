import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Bus, Subscription } from '../../transport/src/bus';
import type { CptflowConfig } from '../../config/src/schema';
import { Readiness } from './readiness';
import type { Stage } from '../../pipeline-stages/src';
import { BUS, CONFIG, STAGE } from './tokens';

/**
 * Runs the service's stage for the life of the Nest application: subscribes once the app has booted,
 * and on shutdown stops fetching, lets the in-flight batch commit, then releases the stage.
 */
@Injectable()
export class StageRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StageRunner.name);
  private subscription?: Subscription;

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
    this.subscription = await this.bus.consume({
      groupId: stage.groupId,
      topics: stage.inputTopics,
      handler: stage.handle,
      maxBatchRecords: this.config.bus.maxBatchRecords,
    });
    this.logger.log(`${stage.name}: consuming ${stage.inputTopics.join(', ')} as group ${stage.groupId}`);
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`${this.stage.name}: draining (${signal ?? 'shutdown'})`);
    await this.subscription?.stop();
    this.subscription = undefined;
    await this.stage.close?.();
    await this.bus.close();
  }
}
