import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  buildDashboardData,
  renderDashboardPage,
  ResultsError,
  ResultsService,
  TelemetryService,
} from '@cptflow/results';
import { DashboardDataDto } from './dto/dashboard.dto';
import { ErrorDto } from './dto/results.dto';
import { orDatabaseUnavailable } from './database-unavailable';

export const DASHBOARD_POLL_MS = Symbol('DASHBOARD_POLL_MS');

@ApiTags('dashboard')
@Controller()
export class DashboardController {
  constructor(
    private readonly results: ResultsService,
    private readonly telemetry: TelemetryService,
    @Inject(DASHBOARD_POLL_MS) private readonly pollMs: number,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'The dashboard: training curves, perplexity, task scores against the base model, pipeline accounting; updates by itself' })
  @ApiProduces('text/html')
  @ApiQuery({ name: 'run', required: false, description: 'Show one run (default: all, side by side)' })
  @ApiOkResponse({ description: 'An HTML page that polls GET /dashboard/data' })
  page(): string {
    // Relative, so the page keeps working behind a proxy that mounts the evaluator under a path.
    return renderDashboardPage({ mode: 'live', dataUrl: 'dashboard/data', pollMs: this.pollMs });
  }

  @Get('dashboard/data')
  @ApiOperation({ summary: 'Everything the dashboard draws, for all runs or one' })
  @ApiQuery({ name: 'run', required: false, example: 'cpt-replay' })
  @ApiOkResponse({ type: DashboardDataDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown run' })
  @ApiServiceUnavailableResponse({ type: ErrorDto, description: 'The results database does not answer' })
  data(@Query('run') run?: string): Promise<DashboardDataDto> {
    if (run !== undefined && (typeof run !== 'string' || run.trim() === '')) throw ResultsError.invalid('query parameter "run" must be a run name (omit it for all runs)');
    return orDatabaseUnavailable(() => buildDashboardData(this.results, this.telemetry, run ?? null));
  }
}
