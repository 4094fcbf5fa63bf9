import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, ResultsService } from '@cptflow/results';
import { CheckpointPageDto, ErrorDto, RunPageDto, TrendDto } from './dto/results.dto';
import { HarnessNamePipe, IntegerPipe, RunNamePipe } from './validation/params';

const page = new IntegerPipe({ min: 1, max: MAX_PAGE, default: 1 });
const pageSize = new IntegerPipe({ min: 1, max: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE });

@ApiTags('runs')
@ApiBadRequestResponse({ type: ErrorDto })
@Controller('runs')
export class RunsController {
  constructor(private readonly results: ResultsService) {}

  @Get()
  @ApiOperation({ summary: 'List training runs, by name' })
  @ApiQuery({ name: 'page', required: false, type: Number })
  @ApiQuery({ name: 'pageSize', required: false, type: Number })
  @ApiOkResponse({ type: RunPageDto })
  listRuns(@Query('page', page) p: number, @Query('pageSize', pageSize) size: number): Promise<RunPageDto> {
    return this.results.listRuns(p, size);
  }

  @Get(':run/checkpoints')
  @ApiOperation({ summary: "List a run's checkpoints, by step" })
  @ApiQuery({ name: 'page', required: false, type: Number })
  @ApiQuery({ name: 'pageSize', required: false, type: Number })
  @ApiOkResponse({ type: CheckpointPageDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown run' })
  listCheckpoints(@Param('run', RunNamePipe) run: string, @Query('page', page) p: number, @Query('pageSize', pageSize) size: number): Promise<CheckpointPageDto> {
    return this.results.listCheckpoints(run, p, size);
  }

  @Get(':run/trend')
  @ApiOperation({ summary: "A task's score over tokens seen, one point per evaluated checkpoint" })
  @ApiQuery({ name: 'task', required: true, example: 'hellaswag' })
  @ApiQuery({ name: 'metric', required: false, example: 'acc_norm', description: 'Default: acc' })
  @ApiOkResponse({ type: TrendDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown run' })
  trend(@Param('run', RunNamePipe) run: string, @Query('task', new HarnessNamePipe()) task: string, @Query('metric', new HarnessNamePipe('acc')) metric: string): Promise<TrendDto> {
    return this.results.trend(run, task, metric);
  }
}
