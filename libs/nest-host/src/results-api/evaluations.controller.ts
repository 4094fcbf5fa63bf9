import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { EVALUATION_TRIGGER, type EvaluationTrigger, ResultsError, ResultsService } from '@cptflow/results';
import { BearerTokenGuard } from '../bearer-token.guard';
import { EvaluationAcceptedDto, EvaluationJobDto, EvaluationRequestDto, ErrorDto } from './dto/results.dto';
import { parseEvaluationBody } from './validation/evaluation-body';

@ApiTags('evaluations')
@Controller('evaluations')
export class EvaluationsController {
  constructor(
    private readonly results: ResultsService,
    @Inject(EVALUATION_TRIGGER) private readonly trigger: EvaluationTrigger,
  ) {}

  @Post()
  @HttpCode(202)
  @UseGuards(BearerTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Ask the evaluator to (re-)evaluate a stored checkpoint; results replace earlier ones' })
  @ApiBody({ type: EvaluationRequestDto })
  @ApiAcceptedResponse({ type: EvaluationAcceptedDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'Missing or wrong bearer token' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Unknown checkpoint' })
  async requestEvaluation(@Body() body: unknown): Promise<EvaluationAcceptedDto> {
    const request = parseEvaluationBody(body);
    const ref = request.checkpoint;
    let checkpoint;
    if ('id' in ref) checkpoint = await this.results.checkpoint(ref.id);
    else {
      checkpoint = await this.results.findCheckpointByStep(ref.run, ref.step);
      if (!checkpoint) throw ResultsError.notFound(`run ${ref.run} has no checkpoint at step ${ref.step}`);
    }
    const { tasks, limit, numFewshot } = request;
    const ticket = await this.trigger.requestEvaluation({ checkpoint, tasks, limit, numFewshot });
    return { evaluationId: ticket.id, checkpoint, tasks, limit, numFewshot };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One evaluation job (from POST /evaluations or a checkpoint event): state, attempts, error, outcome' })
  @ApiOkResponse({ type: EvaluationJobDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No evaluation with this id' })
  async evaluation(@Param('id') id: string): Promise<EvaluationJobDto> {
    if (!UUID.test(id)) throw ResultsError.invalid(`evaluation id must be a UUID (got ${JSON.stringify(id.slice(0, 64))})`);
    const job = await this.trigger.evaluation(id.toLowerCase());
    if (!job) throw ResultsError.notFound(`evaluation ${id} does not exist`);
    return job;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
