import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { TelemetryService } from '@cptflow/results';
import { AccountingDto, TrainingCurveDto } from './dto/dashboard.dto';
import { ErrorDto } from './dto/results.dto';
import { orDatabaseUnavailable } from './database-unavailable';

@ApiTags('dashboard')
@ApiServiceUnavailableResponse({ type: ErrorDto, description: 'The results database does not answer' })
@Controller()
export class TelemetryController {
  constructor(private readonly telemetry: TelemetryService) {}

  @Get('runs/:run/training-metrics')
  @ApiOperation({ summary: "A run's per-step training metrics (loss, lr, grad norm, tokens/s) over tokens seen" })
  @ApiOkResponse({ type: TrainingCurveDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No training metrics for this run' })
  trainingMetrics(@Param('run') run: string): Promise<TrainingCurveDto> {
    return orDatabaseUnavailable(() => this.telemetry.trainingCurve(run));
  }

  @Get('pipeline/accounting')
  @ApiOperation({ summary: "Each stage's accounting: documents in, kept, rejected by rule, duplicates, dead letters, consumer lag" })
  @ApiOkResponse({ type: AccountingDto })
  async accounting(): Promise<AccountingDto> {
    return { stages: await orDatabaseUnavailable(() => this.telemetry.accounting()) };
  }
}
