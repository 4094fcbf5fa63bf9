import { CheckpointEntity } from './checkpoint.entity';
import { EvaluationJobEntity } from './evaluation-job.entity';
import { RunEntity } from './run.entity';
import { SampleResultEntity } from './sample-result.entity';
import { StageAccountingEntity } from './stage-accounting.entity';
import { TaskResultEntity } from './task-result.entity';
import { TrainingStepEntity } from './training-step.entity';

export { CheckpointEntity, EvaluationJobEntity, RunEntity, SampleResultEntity, StageAccountingEntity, TaskResultEntity, TrainingStepEntity };
export const RESULTS_ENTITIES = [RunEntity, CheckpointEntity, TaskResultEntity, SampleResultEntity, EvaluationJobEntity, TrainingStepEntity, StageAccountingEntity];
