import { CheckpointEntity } from './checkpoint.entity';
import { EvaluationJobEntity } from './evaluation-job.entity';
import { RunEntity } from './run.entity';
import { SampleResultEntity } from './sample-result.entity';
import { TaskResultEntity } from './task-result.entity';

export { CheckpointEntity, EvaluationJobEntity, RunEntity, SampleResultEntity, TaskResultEntity };
export const RESULTS_ENTITIES = [RunEntity, CheckpointEntity, TaskResultEntity, SampleResultEntity, EvaluationJobEntity];
