// The evaluator as one Nest module: the results API (routes, OpenAPI, /health), GET /ready, and the
// checkpoint stage served over the bus transport (the app is hybrid: HTTP and the bus).
import { DynamicModule, Module } from '@nestjs/common';
import type { CptflowConfig } from '../../../libs/config/src';
import type { Stage } from '../../../libs/pipeline-stages/src';
import { BACKENDS, BUS, CONFIG, Readiness, ReadyController, ResultsApiModule, STAGE, stageProviders } from '../../../libs/service-host/src';
import type { EvaluationTrigger, ResultsService, TelemetryService } from '../../../libs/results-store/src';
import type { Bus } from '../../../libs/transport/src/bus';
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
