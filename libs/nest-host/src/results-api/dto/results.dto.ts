// Response and request shapes for the OpenAPI document. The controllers return the results layer's
// plain views; declaring these classes as their return types makes the compiler check that the
// documented shape and the real one agree.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class EvaluationSettingsDto {
  @ApiProperty({ description: 'Few-shot examples per prompt (harness num_fewshot)', example: 0 })
  numFewshot!: number;
  @ApiProperty({ description: 'Documents scored per task (harness --limit), null for the whole split', type: Number, nullable: true, example: null })
  limit!: number | null;
  @ApiProperty({ description: 'lm-evaluation-harness release whose scoring these results reproduce', example: '0.4.9' })
  harnessVersion!: string;
  @ApiPropertyOptional({ description: "The task definition's version", example: '1.0' })
  taskVersion?: string;
}

export class RunDto {
  @ApiProperty({ example: 'cpt-fineweb-edu' }) name!: string;
  @ApiProperty() checkpointCount!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Id of the base checkpoint (the model the run started from)' })
  baseCheckpointId!: number | null;
  @ApiProperty({ type: Number, nullable: true }) latestStep!: number | null;
  @ApiProperty({ type: Number, nullable: true }) latestTokensSeen!: number | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CheckpointDto {
  @ApiProperty() id!: number;
  @ApiProperty() run!: string;
  @ApiProperty() step!: number;
  @ApiProperty() tokensSeen!: number;
  @ApiProperty() path!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Hugging Face export of the checkpoint' }) hfPath!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Training loss when the checkpoint was written' }) loss!: number | null;
  @ApiProperty({ description: 'The base model the run started from' }) isBase!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class TaskResultDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'arc_easy', description: 'lm-evaluation-harness task name' }) task!: string;
  @ApiProperty({ example: 'acc_norm' }) metric!: string;
  @ApiProperty({ example: 0.52 }) value!: number;
  @ApiProperty({ type: Number, nullable: true, example: 0.0102 }) stderr!: number | null;
  @ApiProperty({ example: 2376 }) n!: number;
  @ApiProperty({ type: EvaluationSettingsDto }) settings!: EvaluationSettingsDto;
}

export class CheckpointResultsDto {
  @ApiProperty({ type: CheckpointDto }) checkpoint!: CheckpointDto;
  @ApiProperty({ type: [TaskResultDto] }) results!: TaskResultDto[];
}

export class SampleRequestDto {
  @ApiProperty({ description: 'The prompt (few-shot examples included)' }) context!: string;
  @ApiProperty({ description: 'The text whose log-likelihood was summed, e.g. " A"' }) continuation!: string;
}

export class SampleDto {
  @ApiProperty() docIndex!: number;
  @ApiProperty({ description: 'Index of the choice the model preferred under this metric' }) predicted!: number;
  @ApiProperty() gold!: number;
  @ApiProperty() correct!: boolean;
  @ApiProperty({ type: [Number], description: 'Log-likelihood of each choice (null stands for -Infinity)' }) logprobs!: number[];
  @ApiPropertyOptional({ type: [SampleRequestDto], description: 'The context and continuation text scored for each choice, when recorded' }) requests?: SampleRequestDto[];
}

export class TaskMetricDto {
  @ApiProperty() task!: string;
  @ApiProperty() metric!: string;
}

export class ScoreDeltaDto extends TaskMetricDto {
  @ApiProperty() baseline!: number;
  @ApiProperty() value!: number;
  @ApiProperty({ description: 'value - baseline' }) delta!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'sqrt(stderr_baseline^2 + stderr_value^2)' }) stderr!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'delta / stderr' }) z!: number | null;
  @ApiProperty({ description: 'The two scores were produced with different settings' }) settingsDiffer!: boolean;
}

export class ComparisonDto {
  @ApiProperty({ type: CheckpointDto }) baseline!: CheckpointDto;
  @ApiProperty({ type: CheckpointDto }) checkpoint!: CheckpointDto;
  @ApiProperty({ type: [ScoreDeltaDto] }) deltas!: ScoreDeltaDto[];
  @ApiProperty({ type: [TaskMetricDto] }) onlyInBaseline!: TaskMetricDto[];
  @ApiProperty({ type: [TaskMetricDto] }) onlyInCheckpoint!: TaskMetricDto[];
}

export class TrendPointDto {
  @ApiProperty() checkpointId!: number;
  @ApiProperty() step!: number;
  @ApiProperty() tokensSeen!: number;
  @ApiProperty() isBase!: boolean;
  @ApiProperty() value!: number;
  @ApiProperty({ type: Number, nullable: true }) stderr!: number | null;
  @ApiProperty() n!: number;
}

export class TrendDto extends TaskMetricDto {
  @ApiProperty() run!: string;
  @ApiProperty({ type: [TrendPointDto], description: 'Ordered by tokens seen, then step' }) points!: TrendPointDto[];
}

class PageDto {
  @ApiProperty({ description: 'Items across all pages' }) total!: number;
  @ApiProperty({ description: '1-based page number' }) page!: number;
  @ApiProperty() pageSize!: number;
}

export class RunPageDto extends PageDto {
  @ApiProperty({ type: [RunDto] }) items!: RunDto[];
}

export class CheckpointPageDto extends PageDto {
  @ApiProperty({ type: [CheckpointDto] }) items!: CheckpointDto[];
}

export class SamplePageDto extends PageDto {
  @ApiProperty({ type: [SampleDto] }) items!: SampleDto[];
}

export class EvaluationRequestDto {
  @ApiPropertyOptional({ description: 'The checkpoint to evaluate (or give run and step)' }) checkpointId?: number;
  @ApiPropertyOptional() run?: string;
  @ApiPropertyOptional() step?: number;
  @ApiPropertyOptional({ type: [String], example: ['arc_easy', 'hellaswag'], description: 'Default: the evaluator\'s configured tasks' })
  tasks?: string[];
  @ApiPropertyOptional({ description: 'Documents per task, or a fraction of the split when < 1' }) limit?: number;
  @ApiPropertyOptional({ description: "Few-shot examples per prompt; default: each task's own" }) numFewshot?: number;
}

export class EvaluationAcceptedDto {
  @ApiProperty() evaluationId!: string;
  @ApiProperty({ type: CheckpointDto }) checkpoint!: CheckpointDto;
  @ApiProperty({ type: [String], nullable: true }) tasks!: string[] | null;
  @ApiProperty({ type: Number, nullable: true }) limit!: number | null;
  @ApiProperty({ type: Number, nullable: true }) numFewshot!: number | null;
}

export class EvaluationJobDto {
  @ApiProperty({ description: 'UUID' }) id!: string;
  @ApiProperty({ enum: ['checkpoint-event', 'request'] }) kind!: 'checkpoint-event' | 'request';
  @ApiProperty({ enum: ['queued', 'running', 'done', 'dead'] }) state!: 'queued' | 'running' | 'done' | 'dead';
  @ApiProperty({ description: 'times a worker claimed it (a crash mid-evaluation counts)' }) attempts!: number;
  @ApiProperty({ description: 'the consumed record (value in base64) or the request' }) payload!: unknown;
  @ApiProperty({ type: String, nullable: true, description: 'why the last attempt failed, or why the job is dead' }) error!: string | null;
  @ApiProperty({ nullable: true, description: 'once done: each evaluated checkpoint with the tasks scored and skipped' }) outcome!: unknown;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status!: 'ok' | 'unavailable';
  @ApiProperty({ enum: ['up', 'down'] }) database!: 'up' | 'down';
}

export class ErrorDto {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({ example: 'query parameter "page" must be an integer >= 1 (got "0")' }) message!: string;
}
