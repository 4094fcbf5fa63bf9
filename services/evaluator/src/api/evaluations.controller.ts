import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ResultsError, ResultsService } from '../../../../libs/results-store/src';
import { BearerTokenGuard } from '../../../../libs/service-host/src';
import { EvaluationAcceptedDto, EvaluationRequestDto, ErrorDto } from './dto/results.dto';
import { EVALUATION_TRIGGER, type EvaluationTrigger } from './evaluation-trigger';
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
}
