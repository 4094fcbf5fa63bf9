// OpenAPI shapes of the dashboard routes; as with results.dto.ts, the controllers declare these as
// return types so the compiler checks the documented shape against the real one.
import { ApiProperty } from '@nestjs/swagger';

const counts = { type: 'object', additionalProperties: { type: 'number' }, example: { 'gopher_quality/gopher_short_doc': 12 } } as const;

export class TrainingStepDto {
  @ApiProperty() step!: number;
  @ApiProperty() tokensSeen!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean token cross-entropy of the step' }) loss!: number | null;
  @ApiProperty({ type: Number, nullable: true }) lr!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Global gradient norm before clipping' }) gradNorm!: number | null;
  @ApiProperty({ type: Number, nullable: true }) tokensPerSecond!: number | null;
  @ApiProperty({ description: 'When the step finished (ms since the epoch)' }) atMs!: number;
}

export class TrainingCurveDto {
  @ApiProperty() run!: string;
  @ApiProperty({ type: [TrainingStepDto], description: 'By step; long runs are thinned evenly by retention' }) points!: TrainingStepDto[];
}

export class StageTotalsDto {
  @ApiProperty({ example: 'quality-filter' }) stage!: string;
  @ApiProperty({ description: 'Processes of the stage that reported' }) instances!: number;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ description: 'Records read (documents in)' }) recordsIn!: number;
  @ApiProperty({ description: 'Records written to the main output (kept documents, packed sequences)' }) recordsOut!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ ...counts, description: 'filter/rule -> documents rejected by it' }) rejectedByRule!: Record<string, number>;
  @ApiProperty() duplicates!: number;
  @ApiProperty() deadLetters!: number;
  @ApiProperty({ type: Number, nullable: true, description: "Input records the stage's consumer group has not committed; null when unknown" }) lag!: number | null;
}

export class AccountingDto {
  @ApiProperty({ type: [StageTotalsDto] }) stages!: StageTotalsDto[];
}

export class DashboardScoreDto {
  @ApiProperty() task!: string;
  @ApiProperty() metric!: string;
  @ApiProperty() value!: number;
  @ApiProperty({ type: Number, nullable: true }) stderr!: number | null;
  @ApiProperty() n!: number;
  @ApiProperty({ type: Number, nullable: true, description: "value - the run's base score (as GET /compare?a=base)" }) delta!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'sqrt(stderr_base^2 + stderr^2)' }) deltaStderr!: number | null;
}

export class DashboardCheckpointDto {
  @ApiProperty() id!: number;
  @ApiProperty() step!: number;
  @ApiProperty() tokensSeen!: number;
  @ApiProperty() isBase!: boolean;
  @ApiProperty({ type: Number, nullable: true }) loss!: number | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: [DashboardScoreDto] }) scores!: DashboardScoreDto[];
}

export class DashboardRunDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: [TrainingStepDto] }) training!: TrainingStepDto[];
  @ApiProperty({ type: [DashboardCheckpointDto], description: 'By tokens seen, the base first' }) checkpoints!: DashboardCheckpointDto[];
}

export class DashboardDataDto {
  @ApiProperty({ format: 'date-time' }) generatedAt!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The run asked for, or null for all' }) run!: string | null;
  @ApiProperty({ type: [DashboardRunDto] }) runs!: DashboardRunDto[];
  @ApiProperty({ type: [StageTotalsDto] }) accounting!: StageTotalsDto[];
}
