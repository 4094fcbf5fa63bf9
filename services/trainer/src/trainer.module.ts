// The trainer service: a ContinuousTrainer built from the config section, its runner, /status,
// /health and /ready. The host (main.ts or a test) provides the bus and the parsed options.
import { DynamicModule, Module } from '@nestjs/common';
import { API_TOKENS, BearerTokenGuard, HealthController, Readiness } from '@cptflow/nest-host';
import { ContinuousTrainer, ContinuousTrainerOptions } from '@cptflow/training';
import { StatusController } from './status.controller';
import { TrainerRunner } from './trainer.runner';
import { AFTER_SHUTDOWN, TRAINER } from './trainer.tokens';

@Module({})
export class TrainerModule {
  /**
   * `onShutdown` runs after the final checkpoint (close the bus, flush telemetry). `apiTokens` are
   * the bearer tokens mutating endpoints accept (none: every mutation is refused).
   */
  static register(options: ContinuousTrainerOptions, onShutdown: () => Promise<void> = async () => undefined, apiTokens: readonly string[] = []): DynamicModule {
    return {
      module: TrainerModule,
      controllers: [StatusController, HealthController],
      providers: [
        { provide: TRAINER, useValue: new ContinuousTrainer(options) },
        { provide: AFTER_SHUTDOWN, useValue: onShutdown },
        { provide: API_TOKENS, useValue: apiTokens },
        BearerTokenGuard,
        Readiness,
        TrainerRunner,
      ],
    };
  }
}
