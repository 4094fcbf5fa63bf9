import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { CptflowConfig } from '../../config/src/schema';
import type { Bus } from '../../transport/src/bus';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';
import type { Stage } from '../../pipeline-stages/src';
import { StageRunner } from './stage-runner';
import { StageAccounting } from './stage-accounting';
import { BACKENDS, BUS, CONFIG, STAGE } from './tokens';

export interface StageHostOptions {
  config: CptflowConfig;
  bus: Bus;
  /** Builds the stage once config and bus exist (it may open stores or load a tokenizer). */
  createStage: (config: CptflowConfig) => Stage | Promise<Stage>;
  /** Backends the stage uses besides the bus, logged at start: e.g. { "dedup store": "postgres (db:5432)" }. */
  backends?: Record<string, string>;
}

/** Everything a pipeline stage's service needs: its stage run against the bus, health and readiness. */
@Module({})
export class StageHostModule {
  static register(options: StageHostOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: CONFIG, useValue: options.config },
      { provide: BUS, useValue: options.bus },
      { provide: STAGE, useFactory: () => options.createStage(options.config) },
      { provide: BACKENDS, useValue: options.backends ?? {} },
      { provide: StageAccounting, useFactory: (stage: Stage) => new StageAccounting(stage.name, options.config.topics), inject: [STAGE] },
      Readiness,
      StageRunner,
    ];
    return { module: StageHostModule, controllers: [HealthController], providers, exports: [CONFIG, BUS, Readiness, StageAccounting] };
  }
}
