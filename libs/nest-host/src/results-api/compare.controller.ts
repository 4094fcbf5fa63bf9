import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ResultsService } from '@cptflow/results';
import { ComparisonDto, ErrorDto } from './dto/results.dto';
import { CheckpointRefPipe, IntegerPipe } from './validation/params';

@ApiTags('checkpoints')
@Controller('compare')
export class CompareController {
  constructor(private readonly results: ResultsService) {}

  @Get()
  @ApiOperation({ summary: 'Score deltas of checkpoint b against checkpoint a (or against the base model of b\'s run)' })
  @ApiQuery({ name: 'a', required: true, description: 'Baseline checkpoint id, or "base" for the base checkpoint of b\'s run', example: 'base' })
  @ApiQuery({ name: 'b', required: true, type: Number, description: 'Checkpoint id' })
  @ApiOkResponse({ type: ComparisonDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown checkpoint, or the run has no base checkpoint' })
  compare(@Query('a', new CheckpointRefPipe()) a: number | 'base', @Query('b', new IntegerPipe({ min: 1 })) b: number): Promise<ComparisonDto> {
    return this.results.compare(a, b);
  }
}
