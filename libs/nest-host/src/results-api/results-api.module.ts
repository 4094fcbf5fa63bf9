// The results HTTP API as one Nest module: runs, checkpoints, results, comparisons, trends, and the
// evaluation trigger. It is handed an opened ResultsService and an EvaluationTrigger, so its host (the
// evaluator service, `cptflow run --serve`) decides how the database is opened and how evaluations are queued.
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EVALUATION_TRIGGER, type EvaluationTrigger, ResultsService, TelemetryService } from '@cptflow/results';
import { API_TOKENS, BearerTokenGuard, MIN_API_TOKEN_LENGTH } from '../bearer-token.guard';
import { CheckpointsController } from './checkpoints.controller';
import { CompareController } from './compare.controller';
import { DASHBOARD_POLL_MS, DashboardController } from './dashboard.controller';
import { EvaluationsController } from './evaluations.controller';
import { HealthController } from './health.controller';
import { ResultsErrorFilter } from './results-error.filter';
import { RunsController } from './runs.controller';
import { TelemetryController } from './telemetry.controller';

export interface ResultsApiOptions {
  results: ResultsService;
  trigger: EvaluationTrigger;
  /** Bearer tokens accepted by mutating endpoints (POST /evaluations). At least one is required. */
  apiTokens: readonly string[];
  /** Training curves and stage accounting: with it, the dashboard (`/`) and its data routes are served. */
  telemetry?: TelemetryService;
  /** How often the dashboard page asks for new data (default 3 s). */
  dashboardPollMs?: number;
}

@Module({})
export class ResultsApiModule {
  static register(options: ResultsApiOptions): DynamicModule {
    const tokens = options.apiTokens.filter((t) => t.length > 0);
    if (tokens.length === 0) throw new Error('results API: no API token configured, so POST /evaluations could never be authorised');
    const short = tokens.filter((t) => t.length < MIN_API_TOKEN_LENGTH).length;
    if (short) throw new Error(`results API: ${short} API token(s) shorter than ${MIN_API_TOKEN_LENGTH} characters`);
    if (tokens.some((t) => /\s/.test(t))) throw new Error('results API: API tokens cannot contain whitespace (they travel in an Authorization header)');
    const dashboard = options.telemetry
      ? {
          controllers: [TelemetryController, DashboardController],
          providers: [
            { provide: TelemetryService, useValue: options.telemetry },
            { provide: DASHBOARD_POLL_MS, useValue: options.dashboardPollMs ?? 3000 },
          ],
        }
      : { controllers: [], providers: [] };
    return {
      module: ResultsApiModule,
      controllers: [RunsController, CheckpointsController, CompareController, EvaluationsController, HealthController, ...dashboard.controllers],
      providers: [
        ...dashboard.providers,
        { provide: ResultsService, useValue: options.results },
        { provide: EVALUATION_TRIGGER, useValue: options.trigger },
        { provide: API_TOKENS, useValue: tokens },
        BearerTokenGuard,
        { provide: APP_FILTER, useClass: ResultsErrorFilter },
      ],
    };
  }
}
