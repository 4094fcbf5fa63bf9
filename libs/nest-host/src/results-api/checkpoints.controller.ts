import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, ResultsService } from '@cptflow/results';
import { CheckpointDto, CheckpointResultsDto, ErrorDto, SamplePageDto } from './dto/results.dto';
import { HarnessNamePipe, IntegerPipe } from './validation/params';

const checkpointId = new IntegerPipe({ min: 1 });

@ApiTags('checkpoints')
@ApiBadRequestResponse({ type: ErrorDto })
@ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown checkpoint' })
@Controller('checkpoints')
export class CheckpointsController {
  constructor(private readonly results: ResultsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'One checkpoint' })
  @ApiOkResponse({ type: CheckpointDto })
  checkpoint(@Param('id', checkpointId) id: number): Promise<CheckpointDto> {
    return this.results.checkpoint(id);
  }

  @Get(':id/results')
  @ApiOperation({ summary: "A checkpoint's scores per task and metric" })
  @ApiOkResponse({ type: CheckpointResultsDto })
  resultsOf(@Param('id', checkpointId) id: number): Promise<CheckpointResultsDto> {
    return this.results.resultsOf(id);
  }

  @Get(':id/samples')
  @ApiOperation({ summary: 'Per-document results behind one score' })
  @ApiQuery({ name: 'task', required: true, example: 'arc_easy' })
  @ApiQuery({ name: 'metric', required: false, description: 'Default: acc' })
  @ApiQuery({ name: 'page', required: false, type: Number })
  @ApiQuery({ name: 'pageSize', required: false, type: Number })
  @ApiOkResponse({ type: SamplePageDto })
  samples(
    @Param('id', checkpointId) id: number,
    @Query('task', new HarnessNamePipe()) task: string,
    @Query('metric', new HarnessNamePipe('acc')) metric: string,
    @Query('page', new IntegerPipe({ min: 1, max: MAX_PAGE, default: 1 })) page: number,
    @Query('pageSize', new IntegerPipe({ min: 1, max: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })) pageSize: number,
  ): Promise<SamplePageDto> {
    return this.results.samplesOf(id, task, metric, page, pageSize);
  }
}
