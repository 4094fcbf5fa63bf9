import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { BusTransport } from './bus-transport';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';
import { API_TOKENS } from './bearer-token.guard';
import type { Stage } from '@cptflow/data';
import { stageProviders } from './stage-runner';
import { BACKENDS, BUS, CONFIG, STAGE } from './tokens';

export interface StageHostOptions {
  config: CptflowConfig;
  bus: Bus;
  /** Builds the stage once config and bus exist (it may open stores or load a tokenizer). */
  createStage: (config: CptflowConfig) => Stage | Promise<Stage>;
  /** The service's controller: its `@EventPattern(<stage name>)` method handles each batch (STAGE is injectable). */
  controller: Type<unknown>;
  /** Backends the stage uses besides the bus, logged at start: e.g. { "dedup store": "postgres (db:5432)" }. */
  backends?: Record<string, string>;
}

/** Everything a pipeline stage's service needs: its stage served over the bus transport, health and readiness. */
@Module({})
export class StageHostModule {
  static register(options: StageHostOptions): DynamicModule {
    return {
      module: StageHostModule,
      controllers: [HealthController, options.controller],
      providers: [
        { provide: CONFIG, useValue: options.config },
        { provide: BUS, useValue: options.bus },
        { provide: STAGE, useFactory: () => options.createStage(options.config) },
        { provide: BACKENDS, useValue: options.backends ?? {} },
        // A stage has no routes that change anything: no token opens them (createHttpApp reads these).
        { provide: API_TOKENS, useValue: [] },
        Readiness,
        ...stageProviders(),
      ],
    };
  }
}

/**
 * Makes `app` a hybrid application: the module's BusTransport is connected as its microservice and
 * started after the app's boot hooks (accounting publisher, summaries) and before HTTP listens.
 */
export async function startStageTransport(app: INestApplication): Promise<void> {
  app.connectMicroservice<MicroserviceOptions>({ strategy: app.get(BusTransport) }, { inheritAppConfig: true });
  await app.init();
  await app.startAllMicroservices();
}
