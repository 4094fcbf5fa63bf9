// Runs the ContinuousTrainer for the life of the Nest application: starts it once the app has booted
// (resuming from the newest complete checkpoint), and on shutdown lets the step in flight finish
// and writes a final checkpoint before the process exits.
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Readiness } from '@cptflow/nest-host';
import { ContinuousTrainer, TrainerStatus } from '@cptflow/training';
import { AFTER_SHUTDOWN, TRAINER } from './trainer.tokens';

@Injectable()
export class TrainerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('trainer');

  constructor(
    @Inject(TRAINER) private readonly trainer: ContinuousTrainer,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(AFTER_SHUTDOWN) private readonly afterShutdown: () => Promise<void>,
  ) {
    readiness.register('trainer', () => {
      const { phase, error } = trainer.status;
      const ready = phase === 'training' || phase === 'waiting-for-data' || phase === 'checkpointing';
      return ready ? { ready } : { ready, detail: error ?? phase };
    });
  }

  status(): TrainerStatus {
    return this.trainer.status;
  }

  startDecay(): void {
    this.trainer.startDecay();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.trainer.start();
    this.logger.log(`training from step ${this.trainer.status.step}`);
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.readiness.markDraining();
    this.logger.log(`${signal ?? 'shutdown'}: finishing the current step and checkpointing`);
    await this.trainer.stop();
    this.logger.log(`stopped at step ${this.trainer.status.step}; last checkpoint ${this.trainer.status.lastCheckpoint?.dir ?? 'none'}`);
    await this.afterShutdown();
  }
}
