// The evaluator as one Nest module: the results API (routes, OpenAPI, /health), GET /ready, and the
// checkpoint stage served over the bus transport (the app is hybrid: HTTP and the bus).
import { DynamicModule, Module } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import type { Stage } from '@cptflow/data';
import { BACKENDS, BUS, CONFIG, Readiness, ReadyController, ResultsApiModule, STAGE, stageProviders } from '@cptflow/nest-host';
import type { EvaluationTrigger, ResultsService, TelemetryService } from '@cptflow/results';
import { CheckpointEventsController } from './checkpoint-events.controller';

export interface EvaluatorModuleOptions {
  config: CptflowConfig;
  bus: Bus;
  stage: Stage;
  results: ResultsService;
  telemetry: TelemetryService;
  dashboardPollMs: number;
  trigger: EvaluationTrigger;
  apiTokens: readonly string[];
  readiness: Readiness;
}

@Module({})
export class EvaluatorModule {
  static register(o: EvaluatorModuleOptions): DynamicModule {
    return {
      module: EvaluatorModule,
      imports: [ResultsApiModule.register({ results: o.results, telemetry: o.telemetry, dashboardPollMs: o.dashboardPollMs, trigger: o.trigger, apiTokens: o.apiTokens })],
      controllers: [ReadyController, CheckpointEventsController],
      providers: [
        { provide: BUS, useValue: o.bus },
        { provide: STAGE, useValue: o.stage },
        { provide: CONFIG, useValue: o.config },
        { provide: BACKENDS, useValue: {} },
        { provide: Readiness, useValue: o.readiness },
        ...stageProviders(),
      ],
    };
  }
}
