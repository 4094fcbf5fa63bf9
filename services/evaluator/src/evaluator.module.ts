// The evaluator as one Nest module: the results API (routes, OpenAPI, /health), GET /ready, and the
// stage runner that consumes cpt.checkpoints for the life of the app.
import { DynamicModule, Module } from '@nestjs/common';
import type { CptflowConfig } from '../../../libs/config/src';
import type { Stage } from '../../../libs/pipeline-stages/src';
import { BUS, CONFIG, Readiness, ReadyController, ResultsApiModule, STAGE, StageRunner } from '../../../libs/service-host/src';
import type { EvaluationTrigger, ResultsService, TelemetryService } from '../../../libs/results-store/src';
import type { Bus } from '../../../libs/transport/src/bus';

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
      controllers: [ReadyController],
      providers: [
        { provide: BUS, useValue: o.bus },
        { provide: STAGE, useValue: o.stage },
        { provide: CONFIG, useValue: o.config },
        { provide: Readiness, useValue: o.readiness },
        StageRunner,
      ],
    };
  }
}
